#!/bin/sh
# Install what sockeye needs to build and to run its tests, from Debian 12 packages.
# nginx, curl and wrk are the real server and clients of the HTTP integration tests.
# Idempotent and quiet when nothing is missing; needs root only when something is.
set -eu

PKGS="gcc make cmake pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
liburcu-dev libcmocka-dev libjemalloc-dev libclang-rt-14-dev python3 iproute2 util-linux procps
libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev
nginx curl wrk"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "setup: these packages are missing; run as root to install them:$missing" >&2
	exit 1
fi
echo "setup: installing$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
