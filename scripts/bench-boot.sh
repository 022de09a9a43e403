#!/usr/bin/env bash
# Boot-to-poweroff of an unmodified Debian 12 with systemd (scripts/debian-rootfs.sh): a unit
# bound in at /etc/systemd/system.control powers the system off as soon as multi-user.target is
# reached. Corral (`corralctl run`) vs `systemd-nspawn -b` vs `lxc-start -F` in one hyperfine
# run, then the time to stop a running system container with SIGTERM (-i: a powered-off
# container exits 130 under corralctl run, init having been killed by SIGINT). Goal: Corral
# <= 0.9x nspawn; stop <= 0.5 s.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-boot: needs root" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES hyperfine systemd-container lxc
ensure_swift
rootfs=$(scripts/debian-rootfs.sh)
release=$(scripts/build-release.sh corralctl)

work=$(mktemp -d /tmp/corral-bench-boot.XXXXXX)
trap 'rm -rf "$work"' EXIT
# corralctl as install.sh installs it (see install_copies in lib.sh).
install_copies "$release" "$work/bin" corralctl
corralctl=$work/bin/corralctl
mkdir -p "$work/check/multi-user.target.wants" "$work/state"
cat > "$work/check/corral-poweroff.service" <<'UNIT'
[Unit]
Description=Power off once booted
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
UNIT
ln -s ../corral-poweroff.service "$work/check/multi-user.target.wants/corral-poweroff.service"

definition() {  # NAME CHECK-DIR-OR-EMPTY
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='mount'><source dir='$rootfs'/><target dir='/'/></filesystem>
    ${2:+<filesystem type='mount'><source dir='$2'/><target dir='/etc/systemd/system.control'/></filesystem>}
    <console type='pty'/>
  </devices>
</domain>
XML
}
definition bench-boot "$work/check" > "$work/boot.xml"
mkdir -p "$work/empty"
definition bench-stop "$work/empty" > "$work/stop.xml"

commands=(-n corral "$corralctl run $work/boot.xml --state-dir $work/state"
          -n nspawn "systemd-nspawn -q -D $rootfs --register=no --keep-unit -b --bind-ro=$work/check:/etc/systemd/system.control")
lxc_config bench-lxc "$rootfs" "lxc.net.0.type = empty" "lxc.mount.auto = proc:mixed sys:ro cgroup:mixed" \
    "lxc.mount.entry = $work/check etc/systemd/system.control none bind,ro,create=dir 0 0" "lxc.tty.max = 0" "lxc.pty.max = 16" \
    > "$work/lxc.conf"
if command -v lxc-start >/dev/null && timeout 20 lxc-start -F -n bench-lxc -f "$work/lxc.conf" -P "$work" >/dev/null 2>&1; then
    commands+=(-n lxc "lxc-start -F -n bench-lxc -f $work/lxc.conf -P $work")
else
    echo "bench-boot: lxc-start cannot boot the rootfs here; comparing Corral and nspawn only"
fi
hyperfine -i --warmup 2 --runs ${RUNS:-10} --export-json "$work/result.json" "${commands[@]}" 2>&1 | grep -E "Time|Benchmark|±" || true
python3 - "$work/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def mean(prefix):
    return next(r["mean"] for name, r in results.items() if name.startswith(prefix))
corral, nspawn = mean("corral"), mean("nspawn")
for name, r in results.items():
    print(f"{name:7s} boot-to-poweroff mean {r['mean']*1000:7.1f} ms")
print(f"ratio corral/nspawn: {corral/nspawn:.2f}  (goal <= 0.9)")
PY

# Stop of a running system container: SIGTERM (→ SIGRTMIN+3 to systemd) to exit.
total=0
for run in 1 2 3 4 5; do
    "$corralctl" run "$work/stop.xml" --state-dir "$work/state" > "$work/stop.log" 2>&1 &
    pid=$!
    until grep -q "Reached target.*multi-user" "$work/stop.log" 2>/dev/null; do sleep 0.02; done
    sleep 0.3
    start=$(date +%s%N)
    kill -TERM $pid
    wait $pid || true
    end=$(date +%s%N)
    total=$(( total + (end - start) / 1000000 ))
done
echo "stop of a running systemd container: $(( total / 5 )) ms on average over 5   (goal <= 500 ms)"
