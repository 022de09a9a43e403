#!/usr/bin/env bash
# Builds the static release binaries and installs Corral: corrald, corral-monitor and
# corralctl into PREFIX/bin, the systemd unit, the configuration (kept if present), the
# directories corrald uses; reloads systemd when it runs. DESTDIR stages into a directory.
#   scripts/install.sh                 # as root, onto this machine
#   DESTDIR=/tmp/stage scripts/install.sh
set -eu
cd "$(dirname "$0")/.."
. scripts/lib.sh

prefix=${PREFIX:-/usr/local}
destination=${DESTDIR:-}
ensure_packages $BUILD_PACKAGES
ensure_swift

binaries=$(scripts/build-release.sh corralctl corral-monitor corrald)
echo "install: binaries into $destination$prefix/bin"
install -d "$destination$prefix/bin"
for binary in corrald corral-monitor corralctl; do
    install -m 0755 "$binaries/$binary" "$destination$prefix/bin/$binary"
done

echo "install: systemd units into $destination/etc/systemd/system"
install -d "$destination/etc/systemd/system"
for unit in corrald.service corral-containers.service; do
    sed -e "s|/usr/local/bin/corrald|$prefix/bin/corrald|" -e "s|/usr/local/bin/corralctl|$prefix/bin/corralctl|" \
        "systemd/$unit" > "$destination/etc/systemd/system/$unit"
    chmod 0644 "$destination/etc/systemd/system/$unit"
done

install -d "$destination/etc/corral/containers" "$destination/etc/corral/networks"
if [ -e "$destination/etc/corral/corrald.conf" ]; then
    echo "install: keeping the existing $destination/etc/corral/corrald.conf"
else
    install -m 0644 etc/corral/corrald.conf "$destination/etc/corral/corrald.conf"
fi
install -m 0644 etc/corral/containers/example.xml.disabled "$destination/etc/corral/containers/example.xml.disabled"
install -d -m 0755 "$destination/var/lib/corral/templates" "$destination/var/lib/corral/overlays" \
    "$destination/var/lib/corral/rootfs" "$destination/var/log/corral"
install -d "$destination$prefix/share/doc/corral"
install -m 0644 README.md "$destination$prefix/share/doc/corral/README.md"

if [ -z "$destination" ] && [ -d /run/systemd/system ]; then
    echo "install: systemctl daemon-reload"
    systemctl daemon-reload
    echo "install: done; start with: systemctl enable --now corrald"
else
    echo "install: done (systemd is not running here: start corrald by hand or with your init)"
fi
