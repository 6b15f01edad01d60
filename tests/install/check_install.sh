#!/usr/bin/env bash
# Installs a build into a scratch DESTDIR and builds tests/install/consumer.cpp from a
# directory outside the source tree with `pkg-config --cflags --libs sluice`, as a user
# would; then runs it and checks its output. Usage: check_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

DESTDIR="$tmp/root" meson install -C "$build" --no-rebuild --quiet
pc=$(find "$tmp/root" -name sluice.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: meson install did not install sluice.pc"; exit 1; }
lib=$(find "$tmp/root" -name 'libsluice.so' | head -n 1)
[ -n "$lib" ] || { echo "FAIL: meson install did not install libsluice.so"; exit 1; }
[ -f "$(dirname "$pc")/../../../include/sluice/sluice.hpp" ] || [ -n "$(find "$tmp/root" -path '*include/sluice/sluice.hpp')" ] \
  || { echo "FAIL: headers not installed under include/sluice"; exit 1; }

mkdir "$tmp/user"
cp "$src/tests/install/consumer.cpp" "$tmp/user/"
cd "$tmp/user"
# The DESTDIR copy stands in for the real prefix: pkgconf's sysroot maps its paths.
export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs sluice)
echo "pkg-config --cflags --libs sluice: $flags"
g++ consumer.cpp -o consumer $flags
out=$(LD_LIBRARY_PATH="$(dirname "$lib")" ./consumer)
expected=338350
if [ "$out" != "$expected" ]; then
  echo "FAIL: consumer printed '$out', expected $expected"
  exit 1
fi
echo "PASS: installed sluice builds and runs an out-of-tree program"
