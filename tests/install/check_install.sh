#!/usr/bin/env bash
# The newcomer route of README.md, end to end: install into a fresh prefix, check what
# sluice.pc says, run the installed sluice-recovery, build the README's first program
# and tests/install/consumer.cpp out of tree with `pkg-config --cflags --libs sluice`
# (plus -Wall -Wextra -Werror -O2: the public headers give a user's program no
# warnings), run both with no LD_LIBRARY_PATH (the README's rpath flag finds
# libsluice.so) and check their output.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR
#
# The fresh prefix: the build under test keeps the prefix it was configured with;
# `meson install --destdir D` lays the same tree out under D, and sluice.pc, being
# relocatable (pkgconfig.relocatable), makes D/PREFIX a complete prefix, as
# `meson setup --prefix=D/PREFIX` would (without compiling the library a second time).
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

option() {  # option NAME: a builtin option of the build under test
  meson introspect "$build" --buildoptions |
    python3 -c "import json, sys; print(next(o['value'] for o in json.load(sys.stdin) if o['name'] == '$1'))"
}
prefix="$tmp/root$(option prefix)"
libdir="$prefix/$(option libdir)"
DESTDIR="$tmp/root" meson install -C "$build" --no-rebuild --quiet
[ -f "$libdir/libsluice.so" ] || fail "meson install did not install $libdir/libsluice.so"
[ -f "$prefix/include/sluice/sluice.hpp" ] || fail "headers not installed under include/sluice"
[ -f "$libdir/pkgconfig/sluice.pc" ] || fail "meson install did not install sluice.pc"
# The recovery tool runs from the installed tree as it is (its rpath is relative).
recovery_tool="$prefix/$(option bindir)/sluice-recovery"
[ -x "$recovery_tool" ] || fail "meson install did not install $recovery_tool"
env -u LD_LIBRARY_PATH "$recovery_tool" init "$tmp/store" --partitions 2 >/dev/null ||
  fail "the installed sluice-recovery does not run (init)"
env -u LD_LIBRARY_PATH "$recovery_tool" info "$tmp/store" | grep -qx "partitions: 2" ||
  fail "the installed sluice-recovery's info does not report the store it created"

# Installed headers point at no file that is not installed.
if grep -rln 'DESIGN\.md' "$prefix/include/sluice"; then
  fail "installed headers point at DESIGN.md, which is not installed"
fi

# As the README says: PKG_CONFIG_PATH names the prefix's pkgconfig directory.
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR LD_LIBRARY_PATH
export PKG_CONFIG_PATH="$libdir/pkgconfig"
pc_prefix=$(realpath -m "$(pkg-config --variable=prefix sluice)")
[ "$pc_prefix" = "$(realpath -m "$prefix")" ] ||
  fail "sluice.pc's prefix is '$pc_prefix', not the prefix it was installed to ('$prefix')"

# sluice.pc asks for exactly what the library links and its public headers need.
requires=$(pkg-config --print-requires sluice | sort | tr '\n' ' ')
[ "$requires" = "CLI11 absl_flat_hash_map absl_flat_hash_set " ] ||
  fail "sluice.pc requires '$requires', expected 'CLI11 absl_flat_hash_map absl_flat_hash_set'"
own_libs=$(sed -n 's/^Libs: //p' "$libdir/pkgconfig/sluice.pc" | tr ' ' '\n' | sed -n 's/^-l//p' |
  sort | tr '\n' ' ')
# libsluice.so's NEEDED entries, less the C and C++ runtimes every g++ program links.
needed=$(readelf -d "$libdir/libsluice.so" | sed -n 's/.*Shared library: \[lib\([^.]*\)\..*/\1/p' |
  grep -vxE 'c|m|stdc\+\+|gcc_s' | sort)
expected_libs=$(printf '%s\n' sluice $needed | sort | tr '\n' ' ')
[ "$own_libs" = "$expected_libs" ] ||
  fail "sluice.pc links '$own_libs'; libsluice.so needs '$expected_libs'"

# The README's first program: the ```cpp block under "## A first dataflow".
mkdir "$tmp/user"
cd "$tmp/user"
awk '/^## A first dataflow/ { section = 1; next }
     section && /^```cpp/ { copying = 1; next }
     copying && /^```/ { exit }
     copying { print }' "$src/README.md" >first.cpp
[ -s first.cpp ] || fail "README.md has no \`\`\`cpp block under '## A first dataflow'"
cp "$src/tests/install/consumer.cpp" .

flags=$(pkg-config --cflags --libs sluice)
rpath="-Wl,-rpath,$(pkg-config --variable=libdir sluice)"
echo "pkg-config --cflags --libs sluice: $flags"
# Both compile at once (the machine's two cores); each log is shown if it fails.
strict=(-O2 -Wall -Wextra -Werror)
g++ "${strict[@]}" first.cpp -o first $flags "$rpath" >first.log 2>&1 &
first_pid=$!
g++ "${strict[@]}" consumer.cpp -o consumer $flags "$rpath" >consumer.log 2>&1 || {
  cat consumer.log
  fail "consumer.cpp does not build against the installed sluice with ${strict[*]}"
}
wait "$first_pid" || { cat first.log; fail "README's first program does not build with ${strict[*]}"; }

out=$(./first -w 2)
[ "$out" = $'1\n4\n9' ] || fail "README's first program printed '$out', expected 1 4 9 on three lines"
out=$(./consumer)
expected=$(cat "$src/tests/install/consumer.expected")
[ "$out" = "$expected" ] || fail "consumer printed:
$out
expected:
$expected"
echo "PASS: installed to a fresh prefix; the README's program and consumer.cpp build with" \
  "pkg-config and ${strict[*]}, and run without LD_LIBRARY_PATH"
