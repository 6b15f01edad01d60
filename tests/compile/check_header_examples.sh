#!/usr/bin/env bash
# The example at the top of a public header compiles as written. Decision: an example
# is marked by a comment line starting `// Example` and is the block of `//   code`
# lines (and blank `//` lines) that follows, a whole translation unit with its
# includes; this script extracts every such block from the installed headers (not
# detail/) and compiles it with -Wall -Wextra -Werror (syntax and templates only: no
# code generation: a few seconds each).
# Usage: check_header_examples.sh CXX SOURCE_DIR
set -uo pipefail
cxx=$1
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Werror -I"$src/include")

cd "$src"
examples=0
failed=0
for header in sluice.hpp $(find engine operators io windowing progress -name '*.hpp' -not -path '*/detail/*' | sort); do
  # Example n of a header goes to $tmp/<header>.<n>.cpp.
  base="$tmp/$(tr / _ <<<"$header")"
  awk -v base="$base" '
    /^\/\/ Example/ { n++; out = base "." n ".cpp"; printf "" > out; inside = 1; next }
    inside && /^\/\/   / { print substr($0, 6) > out; next }
    inside && /^\/\/$/ { print "" > out; next }
    { inside = 0 }' "$header"
  for example in "$base".*.cpp; do
    [ -e "$example" ] || continue
    examples=$((examples + 1))
    label="$header (example ${example##*.hpp.})"
    if out=$("$cxx" "${flags[@]}" "$example" 2>&1); then
      echo "ok   $label"
    else
      echo "FAIL $label does not compile as written:"
      nl -ba "$example" | sed 's/^/    /'
      echo "$out" | grep -E 'error|warning' | head -10
      failed=$((failed + 1))
    fi
  done
done
[ "$examples" -gt 0 ] || { echo "FAIL: no '// Example' blocks found in the public headers"; exit 1; }
echo "$((examples - failed)) of $examples header examples compile"
[ "$failed" -eq 0 ]
