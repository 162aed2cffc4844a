# Sourced by tools/quickstart and tools/runtests: make sure the build dependencies are there.
# On Debian/Ubuntu, installs the missing packages with apt-get (as root, or through sudo);
# elsewhere prints the package names and lets CMake report what it cannot find.

AIB_DEBIAN_PACKAGES="cmake g++ ninja-build libeigen3-dev libfmt-dev nlohmann-json3-dev libcli11-dev catch2"

aib_ensure_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "aibasics: not a Debian-like system; install Eigen 3.4, fmt, CLI11, Catch2, CMake and a"
    echo "          C++17 compiler with your package manager (see README.md, 'Other platforms')."
    return 0
  fi
  local missing=""
  for p in $AIB_DEBIAN_PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "aibasics: installing$missing"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "aibasics: need root or sudo to install$missing" >&2; return 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
}

# Configure (once) and build the tree in $1 with the default Release flags; further arguments go
# to `cmake --build` (e.g. --target aibasics_launcher). $AIB_CONFIGURE_ARGS, if set, is added to
# that first configuration (a tree already configured keeps its settings).
aib_build() {
  local dir="$1"; shift
  local gen=""
  command -v ninja >/dev/null 2>&1 && gen="-G Ninja"
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    # shellcheck disable=SC2086  # the arguments are words
    cmake -S . -B "$dir" $gen ${AIB_CONFIGURE_ARGS:-} >/dev/null || return 1
  fi
  cmake --build "$dir" --parallel "$(nproc 2>/dev/null || echo 2)" "$@"
}
