#!/usr/bin/env bash
# Installs every Debian package that sluice's build, tests and benchmarks need.
# Safe to run more than once; needs root (or sudo) on Debian 12.
set -euo pipefail

packages=(
  build-essential g++ meson ninja-build pkgconf
  libboost-fiber-dev libboost-context-dev libboost-container-dev
  libcereal-dev libcli11-dev libxxhash-dev libabsl-dev doctest-dev
  # The rest of the fixed stack (DESIGN.md): recovery (LMDB), cluster (ZeroMQ) and
  # Kafka build on them; the library does not link them yet, so sluice.pc omits them.
  libzmq3-dev cppzmq-dev liblmdb-dev librdkafka-dev
  python3 cmake
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
