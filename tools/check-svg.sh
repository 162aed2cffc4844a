#!/bin/sh
# tools/check-svg.sh — check the SVG files that aib/show/svg.hpp writes with xmllint.
#
# test_svg checks well-formedness with its own small checker; this script asks an independent
# parser. It runs test_svg with AIB_SVG_DIR set (the test then keeps a copy of every document it
# checks) and passes each file to `xmllint --noout`. Needs xmllint (Debian: libxml2-utils).
# Usage: tools/check-svg.sh [build-dir]     (default: build; build the unit tests first)
set -eu

build=${1:-build}
command -v xmllint >/dev/null 2>&1 || { echo "check-svg: xmllint not found (apt-get install libxml2-utils)" >&2; exit 2; }
# test_svg is its own program with -DAIB_UNITY_TESTS=0, otherwise a part of aib_unit_tests.
if [ -x "$build/tests/test_svg" ]; then
  set -- "$build/tests/test_svg"
elif [ -x "$build/tests/aib_unit_tests" ]; then
  set -- "$build/tests/aib_unit_tests" "-#" "[#test_svg]~[.]"
else
  echo "check-svg: neither $build/tests/aib_unit_tests nor $build/tests/test_svg; build the tests first" >&2
  exit 2
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
AIB_SVG_DIR="$out" "$@" >/dev/null

set -- "$out"/*.svg
[ -e "$1" ] || { echo "check-svg: test_svg wrote no SVG files" >&2; exit 1; }
xmllint --noout "$@"
echo "check-svg: xmllint found all $# SVG files well-formed"
