#!/usr/bin/env bash
# corrald at scale, for each count in COUNTS (default "200 1000"), in one invocation: that many
# containers whose init is `sleep`, dropped into the definitions directory at once. Measures
# the time until all run, corrald's RSS, each monitor's PSS (/proc/PID/smaps_rollup), a SIGHUP
# reload with nothing changed, and stopping them all (SIGTERM to corrald); then prints each
# figure beside the growth from the first count to the last. Each round's directory (its
# definitions, state and logs) is a tmpfs: /run/corral is one on a systemd host, and on this
# VM's ext4 creating a thousand log files right after the last round deleted a thousand costs
# ~1.5 ms each (the inode allocator's scan past recently deleted inodes), an artifact of the
# benchmark's own churn that a host keeping its logs never sees.
# Goals at 1,000: all running within 4 s, all stopped within 3 s, SIGHUP within 50 ms, corrald
# RSS within 20 MiB, PSS per monitor <= 1 MiB; every figure linear in the count.
# busybox sleep as PID 1 ignores SIGTERM, so the definitions name SIGKILL as stop signal.
# COLD_CACHE=1 drops corrald's and corral-monitor's page cache before each round, as a boot
# does (corrald then reads corral-monitor's code ahead of its first spawn: ExecutableWarmup).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-daemon: needs root" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES busybox-static util-linux-extra python3
ensure_swift
counts=${COUNTS:-${COUNT:-200 1000}}

echo "bench-daemon: building the static release binaries"
release=$(scripts/build-release.sh corrald corral-monitor corralctl)

work=$(mktemp -d /tmp/corral-bench-daemon.XXXXXX)
daemon_pid="" listener_pid=""
cleanup() {
    [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
    [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    # The rounds' directories are tmpfs mounts.
    for round in "$work"/round-*; do mountpoint -q "$round" && umount "$round"; done
    rm -rf "$work"
}
trap cleanup EXIT
# The binaries as install.sh installs them (see install_copies in lib.sh).
bin=$work/bin
install_copies "$release" "$bin" corrald corral-monitor corralctl
busybox_rootfs "$work/rootfs" sleep

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# The host's busy CPU time so far (all CPUs, /proc/stat: user, nice, system, irq, softirq,
# steal), in ms: what a start or a stop costs, whatever the machine's speed at the hour.
ticks_per_second=$(getconf CLK_TCK)
busy_ms() { awk -v hz="$ticks_per_second" '/^cpu / {print int(($2 + $3 + $4 + $7 + $8 + $9) * 1000 / hz); exit}' /proc/stat; }

# One round with $1 containers; appends "count up_ms rss_kib pss_mean pss_max hup_ms stop_ms
# start_cpu_ms_per_container stop_cpu_ms_per_container".
round() {
    local count=$1 round=$work/round-$1
    mkdir -p "$round"
    mount -t tmpfs -o mode=0755 bench-round "$round"
    mkdir -p "$round"/containers "$round"/staged "$round"/state "$round"/log
    for i in $(seq -w 1 "$count"); do
        cat > "$round/staged/c$i.xml" <<XML
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
    # corrald tells a notify socket "STATUS=N running" (at most every 100 ms), as it would tell
    # systemd; the listener notes the wall-clock time it first says all run. Watching the state
    # files instead (a grep over a thousand of them every 20 ms) took a good part of a core
    # from the very start it timed.
    python3 -c '
import socket, sys, time
path, count, out = sys.argv[1], sys.argv[2], sys.argv[3]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
listener.bind(path)
while f"STATUS={count} running" not in listener.recv(65536).decode().split("\n"):
    pass
open(out, "w").write(f"{time.time_ns() // 1000000}\n")
' "$round"/notify.sock "$count" "$round"/all-running &
    listener_pid=$!
    until [ -S "$round"/notify.sock ]; do sleep 0.01; done
    # COLD_CACHE=1: the binaries as after a boot, nothing of them in the page cache.
    [ -z "${COLD_CACHE:-}" ] || drop_page_cache "$bin"/corrald "$bin"/corral-monitor
    NOTIFY_SOCKET="$round"/notify.sock "$bin"/corrald --config /dev/null --config-dir "$round"/containers \
        --state-dir "$round"/state --log-dir "$round"/log --monitor "$bin"/corral-monitor 2> "$round"/corrald.log &
    daemon_pid=$!
    until [ -e "$round"/state/corrald.pid ]; do sleep 0.01; done

    local start up busy_before
    busy_before=$(busy_ms)
    start=$(now_ms)
    mv "$round"/staged/*.xml "$round"/containers/
    until [ -s "$round"/all-running ]; do
        kill -0 "$daemon_pid" 2>/dev/null || { echo "bench-daemon: corrald exited; see $round/corrald.log" >&2; exit 1; }
        sleep 0.05
    done
    wait "$listener_pid"
    listener_pid=""
    up=$(( $(cat "$round"/all-running) - start ))
    local start_cpu
    start_cpu=$(awk -v ms=$(( $(busy_ms) - busy_before )) -v n="$count" 'BEGIN {printf "%.1f", ms / n}')
    echo "bench-daemon: $count containers running $up ms after their files were dropped" >&2

    sleep 1
    local rss total=0 max=0 monitors=0 pss
    rss=$(awk '/VmRSS/ {print $2}' /proc/$daemon_pid/status)
    for pid in $(pgrep -x corral-monitor); do
        pss=$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup)
        total=$(( total + pss )); monitors=$(( monitors + 1 ))
        [ "$pss" -gt "$max" ] && max=$pss
    done

    kill -HUP $daemon_pid
    until grep -q "SIGHUP: re-read" "$round"/corrald.log; do sleep 0.01; done
    local hup
    hup=$(grep "SIGHUP: re-read" "$round"/corrald.log | sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' | head -1)

    busy_before=$(busy_ms)
    start=$(now_ms)
    kill -TERM $daemon_pid
    wait $daemon_pid
    daemon_pid=""
    local stop=$(( $(now_ms) - start ))
    local stop_cpu
    stop_cpu=$(awk -v ms=$(( $(busy_ms) - busy_before )) -v n="$count" 'BEGIN {printf "%.1f", ms / n}')
    echo "bench-daemon: all $count stopped and corrald exited in $stop ms" >&2
    echo "$count $up $rss $(( total / monitors )) $max ${hup:-?} $stop $start_cpu $stop_cpu" >> "$work/results"
    umount "$round"
    rm -rf "$round"
}

for count in $counts; do round "$count"; done

python3 - "$work/results" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1])]
first, last = rows[0], rows[-1]
figures = [
    ("all running after the drop (ms)", 1, "<= 4000 at 1,000"),
    ("corrald RSS (KiB)", 2, "<= 20480 at 1,000"),
    ("PSS per monitor, mean (KiB)", 3, "<= 1024"),
    ("PSS per monitor, max (KiB)", 4, "<= 1024"),
    ("SIGHUP with nothing changed (ms)", 5, "<= 50 at 1,000"),
    ("SIGTERM: stop all, exit (ms)", 6, "<= 3000 at 1,000"),
    ("CPU per container started (ms)", 7, "all CPUs, /proc/stat"),
    ("CPU per container stopped (ms)", 8, "all CPUs, /proc/stat"),
]
header = "".join(f"{row[0]:>10}" for row in rows)
print(f"{'containers':34}{header}   growth ×{int(last[0]) / int(first[0]):.0f}   goal")
for name, column, goal in figures:
    values = "".join(f"{row[column]:>10}" for row in rows)
    try:
        growth = f"×{float(last[column]) / float(first[column]):.1f}"
    except (ValueError, ZeroDivisionError):
        growth = "?"
    print(f"{name:34}{values}   {growth:>9}   {goal}")
PY
