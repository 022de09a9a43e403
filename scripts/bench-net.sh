#!/usr/bin/env bash
# What a bridged veth adds to a container's start, in one hyperfine run inside a network
# namespace of its own (ip netns add; its bridge br0 there, nothing of the machine's touched):
#   corral           corralctl run of a /bin/true container without an interface (--no-cgroup)
#   corral-veth      the same with <interface type='bridge'> on br0, an address and a route
#   lxc              lxc-execute of /bin/true on the same rootfs, lxc.net.0.type = empty
#   lxc-veth         the same with a veth on br0 (lxc.net.0.type = veth, link = br0)
# Prints what the veth adds to each (median); the README gives the latest figures.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-net: needs root" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES hyperfine busybox-static lxc iproute2
ensure_swift

echo "bench-net: building the static release corralctl"
release=$(scripts/build-release.sh corralctl)
work=$(mktemp -d /tmp/corral-bench-net.XXXXXX)
namespace=corral-bench-net-$$
cleanup() {
    ip netns delete "$namespace" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
# corralctl as install.sh installs it (see install_copies in lib.sh).
install_copies "$release" "$work/bin" corralctl
corralctl=$work/bin/corralctl
ip netns add "$namespace"
ip -n "$namespace" link set lo up
ip -n "$namespace" link add br0 type bridge
ip -n "$namespace" addr add 10.66.0.1/24 dev br0
ip -n "$namespace" link set br0 up

rootfs=$work/rootfs
busybox_rootfs "$rootfs" true sh
true_definition bench-plain "$rootfs" > "$work/plain.xml"
true_definition bench-veth "$rootfs" "<interface type='bridge'><source bridge='br0'/><ip address='10.66.0.2' prefix='24'/><route address='0.0.0.0' gateway='10.66.0.1'/></interface>" \
    > "$work/veth.xml"
lxc_config bench-lxc "$rootfs" "lxc.mount.auto = proc:mixed sys:ro" "lxc.tty.max = 0" "lxc.net.0.type = empty" > "$work/lxc-plain.conf"
lxc_config bench-lxc "$rootfs" "lxc.mount.auto = proc:mixed sys:ro" "lxc.tty.max = 0" "lxc.net.0.type = veth" "lxc.net.0.link = br0" \
    "lxc.net.0.flags = up" "lxc.net.0.ipv4.address = 10.66.0.3/24" > "$work/lxc-veth.conf"

in_namespace="ip netns exec $namespace"
for file in plain veth; do
    $in_namespace "$corralctl" run "$work/$file.xml" --state-dir "$work/state" --no-cgroup \
        || { echo "bench-net: corralctl run of $file failed" >&2; exit 1; }
done
commands=(-n corral "$in_namespace $corralctl run $work/plain.xml --state-dir $work/state --no-cgroup"
          -n corral-veth "$in_namespace $corralctl run $work/veth.xml --state-dir $work/state --no-cgroup")
if $in_namespace lxc-execute -n bench-lxc -f "$work/lxc-veth.conf" -P "$work" -- /bin/true >/dev/null 2>&1; then
    commands+=(-n lxc "$in_namespace lxc-execute -n bench-lxc -f $work/lxc-plain.conf -P $work -- /bin/true"
               -n lxc-veth "$in_namespace lxc-execute -n bench-lxc -f $work/lxc-veth.conf -P $work -- /bin/true")
else
    echo "bench-net: lxc-execute does not run here; measuring Corral only"
fi
# Twice: back to back, and with 100 ms between runs (hyperfine's --prepare, not timed). A
# veth pair's end is the kernel's: its namespace's teardown (RCU grace periods, ~25 ms here)
# runs after the container has gone, and a start within that time waits for it (Corral's
# start deletes the leftover host end, LXC's own stop deletes its veth synchronously).
hyperfine --warmup 10 --runs "${RUNS:-100}" --export-json "$work/back-to-back.json" "${commands[@]}" >/dev/null
hyperfine --warmup 3 --runs "${RUNS:-100}" --prepare "sleep 0.1" --export-json "$work/spaced.json" "${commands[@]}" >/dev/null
python3 - "$work/back-to-back.json" "$work/spaced.json" <<'PY'
import json, sys
for label, path in (("back to back", sys.argv[1]), ("100 ms apart", sys.argv[2])):
    results = {r["command"]: r for r in json.load(open(path))["results"]}
    print(f"bench-net: {label}: " + ", ".join(f"{name} {r['median']*1000:.2f} ms" for name, r in results.items()) + " (medians)")
    line = f"bench-net: {label}: a bridged veth adds {(results['corral-veth']['median'] - results['corral']['median'])*1000:.2f} ms to corral"
    if "lxc" in results:
        line += f", {(results['lxc-veth']['median'] - results['lxc']['median'])*1000:.2f} ms to lxc-execute"
    print(line + " (goal for corral <= 1.5 ms)")
PY
# A container's end takes its veth with it: nothing may be left in the namespace.
sleep 0.5
if ip -n "$namespace" -br link | grep -q -e '^vc-' -e '^veth'; then
    echo "bench-net: host ends left behind:" >&2; ip -n "$namespace" -br link >&2; exit 1
fi
