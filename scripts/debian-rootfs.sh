#!/usr/bin/env bash
# Builds (once) and prints the path of a Debian 12 rootfs with systemd as init, for the system
# container tests and benchmarks: debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus.
# Cached outside the repository (CORRAL_DEBIAN_CACHE, default /var/cache/corral-test); exits 2
# with a clear message when the Debian archive cannot be reached.
set -eu
cache=${CORRAL_DEBIAN_CACHE:-/var/cache/corral-test}
rootfs=$cache/debian-bookworm
mirror=${CORRAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ -x "$rootfs/lib/systemd/systemd" ] && [ -e "$rootfs/.corral-complete" ]; then
    echo "$rootfs"
    exit 0
fi
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_packages debootstrap >&2
if ! timeout 20 bash -c "exec 3<>/dev/tcp/$(echo "$mirror" | sed -E 's|^[a-z]+://([^/:]+).*|\1|')/80" 2>/dev/null; then
    echo "debian-rootfs: cannot reach $mirror; the system container tests need the Debian archive" >&2
    exit 2
fi
echo "debian-rootfs: debootstrap bookworm into $rootfs (about a minute)" >&2
rm -rf "$rootfs.partial"
mkdir -p "$cache"
debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus bookworm "$rootfs.partial" "$mirror" >&2
# A container has no getty on a serial line and no hardware clock.
chroot "$rootfs.partial" systemctl mask serial-getty@ttyS0.service systemd-timesyncd.service >/dev/null 2>&1 || true
echo corral-debian > "$rootfs.partial/etc/hostname"
touch "$rootfs.partial/.corral-complete"
rm -rf "$rootfs"
mv "$rootfs.partial" "$rootfs"
echo "$rootfs"
