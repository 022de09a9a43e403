#!/usr/bin/env bash
# Latency of running /bin/true inside a running container, in one hyperfine run:
#   corralctl exec   (joins init's namespaces through its pidfd, its cgroup, its hardening)
#   nsenter -a       (util-linux: joins the namespaces only)
#   lxc-attach       (an LXC container on the same busybox rootfs, when lxc-start runs here)
# Prints the ratios against nsenter and lxc-attach; the README gives the latest figures.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-exec: needs root" >&2; exit 1; }

. scripts/lib.sh
ensure_packages $BUILD_PACKAGES hyperfine busybox-static lxc util-linux
ensure_swift

echo "bench-exec: building the static release corralctl"
release=$(scripts/build-release.sh corralctl)

work=$(mktemp -d /tmp/corral-bench-exec.XXXXXX)
lxc_started=""
cleanup() {
    [ -n "${corral_pid:-}" ] && kill "$corral_pid" 2>/dev/null && wait "$corral_pid" 2>/dev/null
    [ -n "$lxc_started" ] && lxc-stop -k -n bench-exec -P "$work" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
# corralctl as install.sh installs it (see install_copies in lib.sh).
install_copies "$release" "$work/bin" corralctl
corralctl=$work/bin/corralctl
rootfs=$work/rootfs
busybox_rootfs "$rootfs" sh true sleep

cat > "$work/idle.xml" <<XML
<domain type='lxc'>
  <name>bench-exec</name>
  <os><type>exe</type><init>/bin/sleep</init><initarg>3600</initarg></os>
  <devices><filesystem type='mount'><source dir='$rootfs'/><target dir='/'/></filesystem></devices>
</domain>
XML
"$corralctl" run "$work/idle.xml" --state-dir "$work/state" < /dev/null > /dev/null 2>&1 &
corral_pid=$!
for _ in $(seq 200); do grep -q '^init=' "$work/state/bench-exec.launcher" 2>/dev/null && break; sleep 0.05; done
init_pid=$(sed -n 's/^init=\([0-9]*\) .*/\1/p' "$work/state/bench-exec.launcher")
[ -n "$init_pid" ] || { echo "bench-exec: the container did not start" >&2; exit 1; }
"$corralctl" exec --state-dir "$work/state" bench-exec -- /bin/true < /dev/null || { echo "bench-exec: exec failed" >&2; exit 1; }

commands=(-n corral "$corralctl exec --state-dir $work/state -T bench-exec -- /bin/true"
          -n nsenter "nsenter -t $init_pid -a /bin/true")
lxc_config bench-exec "$rootfs" "lxc.net.0.type = empty" "lxc.init.cmd = /bin/sleep 3600" > "$work/lxc.conf"
if lxc-start -d -n bench-exec -f "$work/lxc.conf" -P "$work" >/dev/null 2>&1 && lxc-attach -n bench-exec -P "$work" -- /bin/true; then
    lxc_started=yes
    commands+=(-n lxc-attach "lxc-attach -n bench-exec -P $work -- /bin/true")
else
    echo "bench-exec: lxc-start cannot run the rootfs here; comparing with nsenter only"
fi

hyperfine -N --warmup 10 --runs 200 --export-json "$work/exec.json" "${commands[@]}"
python3 - "$work/exec.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
for name, result in results.items():
    print(f"{name:12s} mean {result['mean'] * 1000:6.2f} ms  median {result['median'] * 1000:6.2f} ms")
corral = results["corral"]["median"]
for peer in ("nsenter", "lxc-attach"):
    if peer in results:
        print(f"ratio corral/{peer}: {corral / results[peer]['median']:.2f}")
PY
