#!/usr/bin/env bash
# The README's first command. On a bare Debian 12 machine as root: installs what Corral
# needs, builds it, makes a busybox rootfs and a definition under /tmp/corral-demo, and runs
# that container in the foreground with `corralctl run`.
# (The daemon demo — corrald supervising two containers — arrives with corrald.)
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (containers need namespaces and mounts)" >&2; exit 1; }

. scripts/lib.sh
ensure_packages $BUILD_PACKAGES busybox-static
ensure_swift

echo "demo: building"
swift build -c release --product corralctl >/dev/null
corralctl=$(swift build -c release --show-bin-path)/corralctl

demo=/tmp/corral-demo
rootfs=$demo/rootfs
echo "demo: busybox rootfs in $rootfs"
mkdir -p "$rootfs"/bin "$rootfs"/etc "$rootfs"/proc "$rootfs"/sys "$rootfs"/dev "$rootfs"/tmp "$rootfs"/srv "$demo"/shared
cp /bin/busybox "$rootfs"/bin/busybox
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs"/etc/passwd
printf 'root:x:0:\n' > "$rootfs"/etc/group
echo "Hello from the host" > "$demo"/shared/greeting

cat > "$demo"/hello.xml <<XML
<domain type='lxc'>
  <name>hello</name>
  <os>
    <type>exe</type>
    <init>/bin/sh</init>
    <initarg>-c</initarg>
    <initarg>echo "I am PID \$\$ on \$(hostname)"; cat /srv/shared/greeting; echo "Interfaces:"; tail -n +3 /proc/net/dev | cut -d: -f1; df -h /tmp | tail -1</initarg>
  </os>
  <devices>
    <filesystem type='mount'>
      <source dir='$rootfs'/>
      <target dir='/'/>
    </filesystem>
    <filesystem type='mount'>
      <source dir='$demo/shared'/>
      <target dir='/srv/shared'/>
      <readonly/>
    </filesystem>
    <filesystem type='ram'>
      <source usage='16' units='MiB'/>
      <target dir='/tmp'/>
    </filesystem>
  </devices>
</domain>
XML

echo "demo: $corralctl validate $demo/hello.xml"
"$corralctl" validate "$demo"/hello.xml
echo "demo: $corralctl run $demo/hello.xml"
echo "----------------------------------------------------------------"
"$corralctl" run "$demo"/hello.xml --state-dir "$demo"/state
echo "----------------------------------------------------------------"
echo "demo: the container exited; try an interactive one:"
echo "  sed 's|<initarg>.*</initarg>||g' $demo/hello.xml > $demo/shell.xml && $corralctl run $demo/shell.xml --state-dir $demo/state"
