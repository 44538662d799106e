#!/bin/sh
# Install what sockeye needs to build and to run its tests, from Debian 12 packages.
# nginx, curl and wrk are the real server and clients of the HTTP integration tests;
# dnsmasq and dig (bind9-dnsutils) the real DNS server and client of the DNS ones;
# nghttpd, nghttp and h2load (nghttp2-server, nghttp2-client) the real HTTP/2 server, client
# and load generator of the HTTP/2 ones, nghttpx (nghttp2-proxy) their server for the HTTP/1.1
# Upgrade to h2c (nghttpd does not upgrade), python3-grpcio their gRPC server and client;
# protobuf-c and libcurl build the OTLP exporter; openssl makes the certificates of the HTTPS
# export and TLS tests; gnutls-cli and gnutls-serv (gnutls-bin) are the GnuTLS client and
# server of the TLS plaintext tests; musl-gcc (musl-tools) builds the DNS tests' musl resolver;
# prometheus scrapes --listen's /metrics, and its promtool checks the exposition; mmdebstrap
# and umoci build the image (deploy/image/build.sh) that integration.image runs; tmux is the
# terminal integration.tty draws the terminal view in.
# Idempotent and quiet when nothing is missing; needs root only when something is.
set -eu

PKGS="gcc make cmake pkg-config clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev
liburcu-dev libcmocka-dev libjemalloc-dev libclang-rt-14-dev python3 iproute2 util-linux procps
libprotobuf-c-dev protobuf-c-compiler libcurl4-openssl-dev
nginx curl wrk openssl dnsmasq-base bind9-dnsutils
nghttp2-server nghttp2-client nghttp2-proxy python3-grpcio gnutls-bin musl-tools prometheus mmdebstrap umoci tmux"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Node.js and npm run the OTLP test receiver (tests/integration/otlp), which decodes with the
# OpenTelemetry project's own generated code: the machine's own when it has them, else Debian's.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: these packages are missing; run as root to install them:$missing" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The receiver's one npm dependency, pinned by its package-lock.json (quiet when present).
"$(dirname "$0")/../tests/integration/otlp/setup.sh"
"$(dirname "$0")/../tests/integration/k8s/setup.sh" # the manifest validator's, pinned the same way
