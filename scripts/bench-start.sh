#!/usr/bin/env bash
# Cold start-to-exit of a /bin/true container on a busybox rootfs, in one hyperfine run:
#   corralctl run  (root = mount of a directory; /proc, /sys, /dev, /dev/pts, shm, mqueue),
#                  --no-cgroup like crun below, and once more with its cgroup; installed as
#                  install.sh installs it, and once more as a copy whose page cache was filled by
#                  exec faults (corral-faulted: a host after a reboot; see install_copies)
#   crun run       (Debian's default `crun spec`: the same namespaces and mounts, no cgroup mount)
#   bwrap          (bind root, --proc, --dev, ro /sys, all namespaces unshared)
#   floor          (Benchmarks/floor/floor.c: exactly Corral's kernel work for this container —
#                  its processes, namespaces, mounts from Corral's own MountPlan, capabilities and
#                  seccomp filter — and nothing else)
# Prints corral/floor and corral/crun (the README gives the latest figures). State directories
# are a tmpfs, as /run is on a systemd host.
# On hybrid-cgroup hosts crun needs --cgroup-manager=disabled and the cgroup2 mount hidden,
# so all three run inside one private mount namespace with /sys/fs/cgroup/unified unmounted.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-start: needs root" >&2; exit 1; }

. scripts/lib.sh
ensure_packages $BUILD_PACKAGES crun bubblewrap hyperfine busybox-static gcc libc6-dev util-linux-extra python3
ensure_swift

echo "bench-start: building the static release corralctl and corral-floor-plan"
release=$(scripts/build-release.sh corralctl corral-floor-plan)

work=$(mktemp -d /tmp/corral-bench-start.XXXXXX)
trap 'rm -rf "$work"' EXIT
# corralctl as install.sh installs it; and once more with a page cache filled by exec faults.
install_copies "$release" "$work/bin" corralctl
corralctl=$work/bin/corralctl
fault_in_copy "$release/corralctl" "$work/corralctl-faulted"
gcc -O2 -static -o "$work/floor" Benchmarks/floor/floor.c -lcap
gcc -O2 -o "$work/interleave" Benchmarks/interleave/interleave.c
mkdir -p "$work/run" "$work/staging"
rootfs=$work/rootfs
busybox_rootfs "$rootfs" true sh

true_definition bench-true "$rootfs" > "$work/true.xml"
"$release/corral-floor-plan" "$work/true.xml" > "$work/floor.plan"

mkdir -p "$work/bundle"
(cd "$work/bundle" && crun spec)
python3 - "$work/bundle/config.json" "$rootfs" <<'PY'
import json, sys
path, rootfs = sys.argv[1], sys.argv[2]
config = json.load(open(path))
config["process"]["terminal"] = False
config["process"]["args"] = ["/bin/true"]
config["root"] = {"path": rootfs, "readonly": False}
config["mounts"] = [m for m in config["mounts"] if m["destination"] != "/sys/fs/cgroup"]
json.dump(config, open(path, "w"), indent=2)
PY

state=$work/run/corral
corral_cmd="$corralctl run $work/true.xml --state-dir $state --no-cgroup"
corral_cgroup_cmd="$corralctl run $work/true.xml --state-dir $state"
corral_faulted_cmd="$work/corralctl-faulted run $work/true.xml --state-dir $state --no-cgroup"
crun_cmd="crun --cgroup-manager=disabled --root $work/run/crun run -b $work/bundle bench-\$RANDOM"
bwrap_cmd="bwrap --bind $rootfs / --proc /proc --dev /dev --ro-bind /sys /sys --unshare-all --die-with-parent /bin/true"

# The first run compiles and caches the seccomp filter, which the floor then loads. This VM's
# speed drifts by tens of percent over minutes, and hyperfine runs each command's runs in one
# block: so ROUNDS short hyperfine runs (each of all six commands), and each ratio is the
# median of its per-round ratios. Then the same commands interleaved, one start of each in
# turn: no start finds its own binary warm from the one before.
unshare --mount --propagation private sh -c "
    umount /sys/fs/cgroup/unified 2>/dev/null || true
    mount -t tmpfs -o mode=0755 bench-run '$work/run'
    $corral_cmd || { echo 'bench-start: corralctl run failed' >&2; exit 1; }
    floor_cmd=\"$work/floor $work/floor.plan $work/staging \$(ls $state/seccomp-*.bpf) /bin/true\"
    \$floor_cmd || { echo 'bench-start: the floor failed' >&2; exit 1; }
    for round in \$(seq ${ROUNDS:-8}); do
        hyperfine --shell=none --warmup 10 --runs ${RUNS:-40} --export-json '$work/round-'\$round.json \
            -n floor \"\$floor_cmd\" -n corral '$corral_cmd' -n corral-faulted '$corral_faulted_cmd' \
            -n corral-cgroup '$corral_cgroup_cmd' \
            -n crun '$(echo "$crun_cmd" | sed 's/\$RANDOM/{id}/')' -n bwrap '$bwrap_cmd' --parameter-list id 1 >/dev/null \
            || exit 1
    done
    # The same starts interleaved (Benchmarks/interleave/interleave.c): each after another
    # program's, with paired ratios.
    '$work/interleave' ${INTERLEAVED_RUNS:-300} \"floor=\$floor_cmd\" 'corral=$corral_cmd' \
        'corral-faulted=$corral_faulted_cmd' 'crun=$(echo "$crun_cmd" | sed 's/\$RANDOM/1/')' 'bwrap=$bwrap_cmd' \
        > '$work/interleaved.txt' || exit 1
"
python3 - "$work"/round-*.json <<'PY'
import json, statistics, sys
names = ("floor", "corral", "corral-faulted", "corral-cgroup", "crun", "bwrap")
rounds = []
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    rounds.append({name: next(r for r in results if r["command"] == name or r["command"].startswith(name + " "))["times"]
                   for name in names})
print(f"bench-start: {len(rounds)} rounds of {len(rounds[0]['floor'])} runs each")
for name in names:
    times = [t for r in rounds for t in r[name]]
    print(f"{name:13s} median {statistics.median(times)*1000:6.2f} ms   per round "
          + " ".join(f"{statistics.median(r[name])*1000:.1f}" for r in rounds))
def ratio(a, b):
    values = sorted(statistics.median(r[a]) / statistics.median(r[b]) for r in rounds)
    return f"{statistics.median(values):.2f} ({values[0]:.2f}–{values[-1]:.2f})"
print(f"median of the rounds' ratios (range), without cgroups: corral/floor {ratio('corral', 'floor')}   "
      f"corral/crun {ratio('corral', 'crun')}   bwrap/crun {ratio('bwrap', 'crun')}")
print(f"with its cgroup: corral-cgroup/corral {ratio('corral-cgroup', 'corral')}")
print(f"page cache filled by exec faults (after a reboot): corral-faulted/floor {ratio('corral-faulted', 'floor')}   "
      f"corral-faulted/corral {ratio('corral-faulted', 'corral')}")
PY
echo "bench-start: interleaved, ${INTERLEAVED_RUNS:-300} rounds of one start of each (median; median of the paired ratios):"
cat "$work/interleaved.txt"
