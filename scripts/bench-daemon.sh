#!/usr/bin/env bash
# corrald at scale: N containers (default 200) whose init is `sleep`, dropped into the
# definitions directory at once. Measures: time until all run, corrald's RSS, each monitor's
# PSS (/proc/PID/smaps_rollup), a SIGHUP reload with nothing changed, and stopping them all.
# Goals: PSS per container <= 1 MiB, corrald RSS < 40 MB, reload < 100 ms.
# busybox sleep as PID 1 ignores SIGTERM, so the definitions name SIGKILL as stop signal.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-daemon: needs root" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES busybox-static
ensure_swift
count=${COUNT:-200}

echo "bench-daemon: building the static release binaries"
bin=$(scripts/build-release.sh corrald corral-monitor corralctl)

work=$(mktemp -d /tmp/corral-bench-daemon.XXXXXX)
daemon_pid=""
cleanup() {
    [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work"/rootfs/bin "$work"/rootfs/proc "$work"/rootfs/sys "$work"/rootfs/dev "$work"/containers "$work"/staged \
    "$work"/state "$work"/log
cp /bin/busybox "$work"/rootfs/bin/busybox
ln -s busybox "$work"/rootfs/bin/sleep
for i in $(seq -w 1 "$count"); do
    cat > "$work/staged/c$i.xml" <<XML
<domain type='lxc'>
  <name>c$i</name>
  <os><type>exe</type><init>/bin/sleep</init><initarg>infinity</initarg></os>
  <devices>
    <filesystem type='mount'><source dir='$work/rootfs'/><target dir='/'/><readonly/></filesystem>
  </devices>
  <metadata><corral:container xmlns:corral='https://corral.dev/xmlns/container/1'><corral:stop signal='SIGKILL'/></corral:container></metadata>
</domain>
XML
done

"$bin"/corrald --config /dev/null --config-dir "$work"/containers --state-dir "$work"/state --log-dir "$work"/log \
    --monitor "$bin"/corral-monitor 2> "$work"/corrald.log &
daemon_pid=$!
until [ -e "$work"/state/corrald.pid ]; do sleep 0.01; done

running() { grep -l '^phase=running' "$work"/state/*.state 2>/dev/null | wc -l; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

start=$(now_ms)
mv "$work"/staged/*.xml "$work"/containers/
until [ "$(running)" -ge "$count" ]; do sleep 0.02; done
up=$(( $(now_ms) - start ))
echo "bench-daemon: $count containers running $up ms after their files were dropped"

sleep 1
rss=$(awk '/VmRSS/ {print $2}' /proc/$daemon_pid/status)
total=0; max=0; monitors=0
for pid in $(pgrep -x corral-monitor); do
    pss=$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup)
    total=$(( total + pss )); monitors=$(( monitors + 1 ))
    [ "$pss" -gt "$max" ] && max=$pss
done
echo "bench-daemon: corrald RSS $(( rss / 1024 )) MiB ($rss KiB)   (goal < 40 MB)"
echo "bench-daemon: monitor PSS mean $(( total / monitors )) KiB, max $max KiB over $monitors monitors   (goal <= 1024 KiB)"

kill -HUP $daemon_pid
until grep -q "SIGHUP: re-read" "$work"/corrald.log; do sleep 0.01; done
grep "SIGHUP: re-read" "$work"/corrald.log | sed 's/^.*SIGHUP/bench-daemon: SIGHUP/' | sed 's/$/   (goal < 100 ms)/'

start=$(now_ms)
kill -TERM $daemon_pid
wait $daemon_pid
daemon_pid=""
echo "bench-daemon: all $count stopped and corrald exited in $(( $(now_ms) - start )) ms"
