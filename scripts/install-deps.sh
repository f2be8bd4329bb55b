#!/usr/bin/env bash
# Installs the Debian packages swift-distill needs, if any is missing:
# libarchive-dev (packing tarballs), zlib1g-dev (ETF compression, gzip),
# erlang-base (erl, escript, erlc and systools: the interop tests and benchmarks),
# patchelf (rewriting RUNPATH/SONAME of plugins), pkg-config,
# python3 (its tarfile module writes the hostile archives of the DistillArchive tests),
# ansible-core, openssh-server, openssh-client, iproute2 (the fleet test: scripts/fleet/test.sh).
set -euo pipefail
packages=(libarchive-dev zlib1g-dev erlang-base patchelf pkg-config binutils python3 ansible-core openssh-server openssh-client
    iproute2)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "system packages: all present (${packages[*]})"
    exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
