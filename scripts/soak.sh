#!/usr/bin/env bash
# Soak: does anything grow with use? With the static release binaries:
#   1. RUNS (default 1000) start/stop cycles of `corralctl run`: a template root (overlay), a
#      loop-mounted image and a ram filesystem, init checking all three;
#   2. corrald with CONTAINERS (default 100) definitions dropped in and removed again, ROUNDS
#      (default 20) times; their inits trap SIGTERM, so each removal is a graceful stop.
# Before and after each part it counts mounts, loop devices, cgroups and zombies, and for
# corrald its descriptors and RSS; it fails on any growth (corrald's RSS is compared from the
# end of the first round, once its tables have their size, and may move by 256 KiB).
#   RUNS=1000 ROUNDS=20 CONTAINERS=100 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "soak: needs root (containers, loop devices, cgroups)" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES busybox-static e2fsprogs
ensure_swift
runs=${RUNS:-1000}
rounds=${ROUNDS:-20}
containers=${CONTAINERS:-100}

echo "soak: building the static release binaries"
bin=$(scripts/build-release.sh corralctl corral-monitor corrald)
work=$(mktemp -d /tmp/corral-soak.XXXXXX)
daemon_pid=""
cleanup() {
    if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work"/{overlays,state,containers,staged,log}
busybox_rootfs "$work/templates/box" sh sleep test cat echo
mkdir -p "$work/data" && echo soak > "$work/data/marker"
mkfs.ext4 -q -F -d "$work/data" "$work/data.img" 4M

# mounts loops cgroups zombies
snapshot() {
    echo "$(wc -l < /proc/self/mountinfo) $(losetup -a | wc -l) $(find /sys/fs/cgroup -type d | wc -l) $(ps -eo stat= | grep -c '^Z' || true)"
}
describe() {  # SNAPSHOT
    set -- $1
    echo "mounts $1, loop devices $2, cgroups $3, zombies $4"
}
failed=0
compare() {  # WHAT BEFORE AFTER
    echo "soak: $1 before: $(describe "$2")"
    echo "soak: $1 after:  $(describe "$3")"
    if [ "$2" != "$3" ]; then echo "soak: $1: something grew" >&2; failed=1; fi
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- 1. corralctl run, again and again.
cat > "$work/run.xml" <<XML
<domain type='lxc'>
  <name>soak-run</name>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg><initarg>test "\$(cat /data/marker)" = soak &amp;&amp; echo x &gt; /scratch/x &amp;&amp; test -f /bin/busybox</initarg></os>
  <devices>
    <filesystem type='template'><source name='box'/><target dir='/'/></filesystem>
    <filesystem type='file'><driver type='loop' format='raw'/><source file='$work/data.img'/><target dir='/data'/><readonly/></filesystem>
    <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/scratch'/></filesystem>
  </devices>
</domain>
XML
before=$(snapshot)
start=$(now_ms)
bad=0
for i in $(seq "$runs"); do
    if ! "$bin/corralctl" run "$work/run.xml" --template-dir "$work/templates" --overlay-dir "$work/overlays" \
        --state-dir "$work/state" > "$work/run.out" 2>&1; then
        bad=$(( bad + 1 ))
        [ "$bad" -le 3 ] && { echo "soak: run $i failed:"; cat "$work/run.out"; }
    fi
done
elapsed=$(( $(now_ms) - start ))
echo "soak: $runs runs of corralctl run (template, file, ram) in $(( elapsed / 1000 )).$(( elapsed % 1000 / 100 )) s, $bad failed"
[ "$bad" -eq 0 ] || failed=1
compare "corralctl run" "$before" "$(snapshot)"

# --- 2. corrald, containers coming and going.
for i in $(seq -w 1 "$containers"); do
    cat > "$work/staged/s$i.xml" <<XML
<domain type='lxc'>
  <name>s$i</name>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg><initarg>trap "exit 0" TERM; while true; do sleep 1 &amp; wait; done</initarg></os>
  <devices>
    <filesystem type='template'><source name='box'/><target dir='/'/><readonly/></filesystem>
    <filesystem type='ram'><source usage='1' units='MiB'/><target dir='/tmp'/></filesystem>
  </devices>
</domain>
XML
done
before=$(snapshot)
"$bin/corrald" --config /dev/null --config-dir "$work/containers" --state-dir "$work/state" --log-dir "$work/log" \
    --template-dir "$work/templates" --overlay-dir "$work/overlays" --monitor "$bin/corral-monitor" 2> "$work/corrald.log" &
daemon_pid=$!
until [ -e "$work/state/corrald.pid" ]; do sleep 0.01; done
running() { grep -l '^phase=running' "$work"/state/*.state 2>/dev/null | wc -l; }
records() { ls "$work"/state/*.state 2>/dev/null | wc -l; }
descriptors() { ls "/proc/$daemon_pid/fd" | wc -l; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status"; }
start=$(now_ms)
for round in $(seq "$rounds"); do
    cp "$work"/staged/*.xml "$work/containers/"
    for _ in $(seq 600); do [ "$(running)" -ge "$containers" ] && break; sleep 0.1; done
    [ "$(running)" -ge "$containers" ] || { echo "soak: round $round: only $(running) of $containers running" >&2; failed=1; break; }
    rm -f "$work"/containers/*.xml
    for _ in $(seq 600); do [ "$(records)" -eq 0 ] && break; sleep 0.1; done
    [ "$(records)" -eq 0 ] || { echo "soak: round $round: $(records) containers still there" >&2; failed=1; break; }
    if [ "$round" -eq 1 ]; then fds_first=$(descriptors); rss_first=$(rss); fi
done
elapsed=$(( $(now_ms) - start ))
fds_last=$(descriptors); rss_last=$(rss)
echo "soak: corrald, $containers containers added and removed $rounds times in $(( elapsed / 1000 )).$(( elapsed % 1000 / 100 )) s"
echo "soak: corrald descriptors after round 1: $fds_first, after round $rounds: $fds_last"
echo "soak: corrald RSS after round 1: $rss_first KiB, after round $rounds: $rss_last KiB"
[ "$fds_last" -le "$fds_first" ] || { echo "soak: corrald's descriptors grew" >&2; failed=1; }
[ "$rss_last" -le $(( rss_first + 256 )) ] || { echo "soak: corrald's RSS grew" >&2; failed=1; }
kill -TERM "$daemon_pid"; wait "$daemon_pid" || true
daemon_pid=""
compare "corrald" "$before" "$(snapshot)"

if [ "$failed" -ne 0 ]; then echo "soak: FAILED"; exit 1; fi
echo "soak: nothing grew"
