#!/bin/bash
# Build sockeye's container image from Debian 12 packages, without a registry or a daemon:
# the root filesystem is the binary, its runtime libraries and the CA certificates, nothing
# else (no shell, no package manager), packed as an OCI image layout with umoci.
#
#   deploy/image/build.sh [BINARY] [OUT_DIR] [TAG]
#       BINARY   build/sockeye (make build)          OUT_DIR  build/image
#       TAG      the version sockeye --version prints
#
# Writes OUT_DIR/rootfs (the tree) and, unless ROOTFS_ONLY is set, OUT_DIR/oci (the image;
# `skopeo copy oci:OUT_DIR/oci:TAG docker://REGISTRY/sockeye:TAG` pushes it). As root
# (mmdebstrap's root mode keeps the files' owners); needs mmdebstrap and umoci
# (tools/setup.sh) and the Debian archive (MIRROR, default http://deb.debian.org/debian).
# deploy/Dockerfile builds the same tree with this script, for users who build with Docker.
set -euo pipefail
bin=${1:-build/sockeye}
out=${2:-build/image}
tag=${3:-$("$bin" --version | awk '{print $NF}')}
mirror=${MIRROR:-http://deb.debian.org/debian}
# What `ldd sockeye` names, by package (their dependencies come along); the list is the
# runtime half of tools/setup.sh's build packages.
packages=libc6,libbpf1,libelf1,liburcu8,libjemalloc2,libcurl4,libprotobuf-c1,zlib1g

rootfs=$out/rootfs
rm -rf "$rootfs" "$out/oci" "$out/bundle"
mkdir -p "$out"
# extract: the packages' files, unpacked, no maintainer script run (there is nothing to
# configure in a library, and no shell to run one with). Documentation, locales and glibc's
# iconv modules (8 MiB; sockeye converts no character set) are left out.
mmdebstrap --quiet --mode=root --variant=extract --include="$packages" bookworm "$rootfs" \
	"$mirror"
(cd "$rootfs" && rm -rf usr/share/doc usr/share/man usr/share/info usr/share/locale \
	usr/share/lintian var/cache/apt var/lib/apt usr/lib/x86_64-linux-gnu/gconv)
# The CA certificates: the package's files, and the bundle its maintainer script would make
# (update-ca-certificates concatenates the certificates it enables, all of them by default)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root ca-certificates)
dpkg-deb -x "$tmp"/ca-certificates_*.deb "$tmp/ca"
mkdir -p "$rootfs/usr/share/ca-certificates" "$rootfs/etc/ssl/certs"
cp -r "$tmp/ca/usr/share/ca-certificates/mozilla" "$rootfs/usr/share/ca-certificates/"
cat "$rootfs"/usr/share/ca-certificates/mozilla/*.crt >"$rootfs/etc/ssl/certs/ca-certificates.crt"
install -D -m 0755 "$bin" "$rootfs/usr/bin/sockeye"
mkdir -p "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"
# The program's loader must find every library it links in the tree
if ! chroot "$rootfs" /lib64/ld-linux-x86-64.so.2 --list /usr/bin/sockeye >"$tmp/libs" ||
	grep -q "not found" "$tmp/libs"; then
	echo "build.sh: the image lacks what sockeye links:" >&2
	cat "$tmp/libs" >&2
	exit 1
fi

[ -z "${ROOTFS_ONLY:-}" ] || exit 0 # deploy/Dockerfile copies the tree itself
umoci init --layout "$out/oci"
umoci new --image "$out/oci:$tag"
umoci unpack --image "$out/oci:$tag" "$out/bundle" >/dev/null
cp -a "$rootfs/." "$out/bundle/rootfs/"
umoci repack --image "$out/oci:$tag" "$out/bundle"
rm -rf "$out/bundle"
umoci config --image "$out/oci:$tag" --config.entrypoint /usr/bin/sockeye \
	--config.cmd --stdout --config.exposedports 9464/tcp \
	--config.label org.opencontainers.image.title=sockeye \
	--config.label "org.opencontainers.image.version=$tag" \
	--config.label org.opencontainers.image.base.name=debian:bookworm
umoci gc --layout "$out/oci"
echo "build.sh: $out/oci:$tag, $(du -sh "$rootfs" | cut -f1) unpacked"
