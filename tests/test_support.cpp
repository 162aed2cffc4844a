// Compiled with the tests' precompiled header, which the test executables then reuse.
// (The Catch2 runner in catch_main.cpp must not use it: it defines CATCH_CONFIG_MAIN first.)
