// Tests for aib/core/check.hpp (errors name the function and the shapes) and core/timing.hpp.
#include <cmath>
#include <functional>

#include "catch.hpp"
#include "test_helpers.hpp"

#include <cstdlib>

#include "aib/core/check.hpp"
#include "aib/core/timing.hpp"

using aib::Mat;

using aib_test::message_of;

TEST_CASE("check_shape passes matching shapes and wildcards") {
  Mat m(3, 4);
  CHECK_NOTHROW(aib::check_shape("f", "m", m, 3, 4));
  CHECK_NOTHROW(aib::check_shape("f", "m", m, aib::any, 4));
  CHECK_NOTHROW(aib::check_shape("f", "m", m, 3, aib::any));
}

TEST_CASE("check_shape names the function, the tensor and both shapes") {
  Mat m(3, 4);
  CHECK(message_of([&] { aib::check_shape("attention", "q", m, 3, 8); }) ==
        "attention: q has shape (3, 4), expected (3, 8)");
  CHECK(message_of([&] { aib::check_shape("softmax", "x", m, aib::any, 2); }) ==
        "softmax: x has shape (3, 4), expected (any, 2)");
  CHECK_THROWS_AS(aib::check_shape("f", "m", m, 2, 4), aib::ShapeError);
}

TEST_CASE("check_same_shape and check_matmul report both operands") {
  Mat a(2, 3), b(3, 2);
  CHECK(message_of([&] { aib::check_same_shape("add", "a", a, "b", b); }) ==
        "add: a has shape (2, 3) but b has shape (3, 2); they must match");
  CHECK_NOTHROW(aib::check_matmul("linear", "x", a, "w", b));
  CHECK(message_of([&] { aib::check_matmul("linear", "x", a, "w", a); }) ==
        "linear: cannot multiply x (2, 3) by w (2, 3): 3 columns vs 2 rows");
}

TEST_CASE("require and fail throw aib::Error with the formatted message") {
  CHECK(message_of([] { aib::require(false, "sample", "temperature must be > 0"); }) ==
        "sample: temperature must be > 0");
  CHECK(message_of([] { aib::require(true, "sample", "unused"); }) == "(no error)");
  CHECK(message_of([] { aib::fail("load: {} has {} rows", "x.npy", 7); }) ==
        "load: x.npy has 7 rows");
}

TEST_CASE("check_finite_loss passes numbers and stops a diverged run naming the step") {
  CHECK_NOTHROW(aib::check_finite_loss("train", 1e30, 3));
  CHECK(message_of([] { aib::check_finite_loss("train_vae", std::nan(""), 8); }) ==
        "train_vae: the loss is nan at step 8; training diverged (try a smaller learning rate)");
  CHECK_THROWS_AS(aib::check_finite_loss("fit", -HUGE_VAL, 0), aib::DivergenceError);
}

// aib/core/timing.hpp: measured values hide in golden runs, computed ones never do.
TEST_CASE("measured() prints the value, or a fixed mark when AIB_GOLDEN is set") {
  ::unsetenv("AIB_GOLDEN");
  CHECK(aib::measured("{:8.2f} ms", 3.14159) == "    3.14 ms");
  ::setenv("AIB_GOLDEN", "1", 1);
  CHECK(aib::measured("{:8.2f} ms", 3.14159) == "[measured]");
  CHECK(aib::measured("{:.3f} ms", 12345.678) == "[measured]");  // as wide whatever the value
  CHECK(aib::measured("{:.1f}", 2.0) == "[measured]");
  ::setenv("AIB_GOLDEN", "0", 1);
  CHECK(aib::measured("{:.1f}", 2.0) == "2.0");
  ::unsetenv("AIB_GOLDEN");
}

TEST_CASE("best_time refuses zero repeats and keeps the fastest run") {
  CHECK_THROWS_AS(aib::best_time([] {}, 0), aib::Error);
  int calls = 0;
  const double t = aib::best_time([&] { ++calls; }, 3);
  CHECK(calls == 3);
  CHECK(t >= 0.0);
}
