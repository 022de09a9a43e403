#!/usr/bin/env bash
# The README's first command. On a bare Debian 12 machine as root: installs what Corral
# needs, builds it, makes a busybox rootfs and two container definitions under
# /tmp/corral-demo — a long-running service, and one that reboots itself once — and runs
# corrald in the foreground on them. Ctrl-C (SIGINT) stops both containers and corrald.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (containers need namespaces and mounts)" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES busybox-static
ensure_swift

echo "demo: building"
swift build -c release --product corralctl >/dev/null
swift build -c release --product corral-monitor >/dev/null
swift build -c release --product corrald >/dev/null
bin=$(swift build -c release --show-bin-path)

demo=/tmp/corral-demo
rootfs=$demo/rootfs
echo "demo: busybox rootfs in $rootfs"
mkdir -p "$rootfs"/bin "$rootfs"/etc "$rootfs"/proc "$rootfs"/sys "$rootfs"/dev "$rootfs"/tmp "$rootfs"/var/lib/demo
cp /bin/busybox "$rootfs"/bin/busybox
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$rootfs"/etc/passwd
printf 'root:x:0:\n' > "$rootfs"/etc/group
mkdir -p "$demo"/containers "$demo"/state "$demo"/log "$demo"/data/ticker "$demo"/data/rebooter
rm -f "$demo"/data/rebooter/rebooted

definition() {  # NAME SCRIPT
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <os>
    <type>exe</type>
    <init>/bin/sh</init>
    <initarg>-c</initarg>
    <initarg>$2</initarg>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>restart</on_crash>
  <devices>
    <filesystem type='mount'>
      <source dir='$rootfs'/>
      <target dir='/'/>
      <readonly/>
    </filesystem>
    <filesystem type='mount'>
      <source dir='$demo/data/$1'/>
      <target dir='/var/lib/demo'/>
    </filesystem>
    <filesystem type='ram'>
      <source usage='16' units='MiB'/>
      <target dir='/tmp'/>
    </filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
}
definition ticker 'trap "echo ticker: stopping; exit 0" TERM; echo "ticker: PID $$ on $(hostname)"; while true; do date; sleep 5 &amp; wait; done' \
    > "$demo"/containers/ticker.xml
definition rebooter 'echo "rebooter: up"; if [ ! -e /var/lib/demo/rebooted ]; then touch /var/lib/demo/rebooted; echo "rebooter: rebooting once"; reboot -f; fi; echo "rebooter: rebooted; now staying up"; trap "exit 0" TERM; while true; do sleep 60 &amp; wait; done' \
    > "$demo"/containers/rebooter.xml
"$bin"/corralctl validate "$demo"/containers/*.xml

cat <<TXT
demo: starting corrald in the foreground on $demo/containers (Ctrl-C stops everything).
      In another terminal:
        $bin/corralctl list --state-dir $demo/state
        $bin/corralctl status rebooter --state-dir $demo/state
        $bin/corralctl logs -f ticker --log-dir $demo/log
        kill -USR1 \$(cat $demo/state/corrald.pid)      # status report, also in $demo/state/status
        cp $demo/containers/ticker.xml $demo/containers/ticker2.xml && sed -i 's/>ticker</>ticker2</' $demo/containers/ticker2.xml
----------------------------------------------------------------------------------------------
TXT
exec "$bin"/corrald --config-dir "$demo"/containers --state-dir "$demo"/state --log-dir "$demo"/log
