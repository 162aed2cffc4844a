#!/bin/sh
# tools/check-svg.sh — check the SVG files that aib/show/svg.hpp writes with xmllint.
#
# test_svg checks well-formedness with its own small checker; this script asks an independent
# parser. It runs test_svg with AIB_SVG_DIR set (the test then keeps a copy of every document it
# checks) and passes each file to `xmllint --noout`. Needs xmllint (Debian: libxml2-utils).
# Usage: tools/check-svg.sh [build-dir]     (default: build; build the test_svg target first)
set -eu

build=${1:-build}
test_svg="$build/tests/test_svg"
command -v xmllint >/dev/null 2>&1 || { echo "check-svg: xmllint not found (apt-get install libxml2-utils)" >&2; exit 2; }
[ -x "$test_svg" ] || { echo "check-svg: $test_svg not found; build the test_svg target first" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
AIB_SVG_DIR="$out" "$test_svg" >/dev/null

set -- "$out"/*.svg
[ -e "$1" ] || { echo "check-svg: test_svg wrote no SVG files" >&2; exit 1; }
xmllint --noout "$@"
echo "check-svg: xmllint found all $# SVG files well-formed"
