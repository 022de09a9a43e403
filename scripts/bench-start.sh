#!/usr/bin/env bash
# Cold start-to-exit of a /bin/true container on a busybox rootfs, in one hyperfine run:
#   corralctl run  (root = mount of a directory; /proc, /sys, /dev, /dev/pts, shm, mqueue),
#                  --no-cgroup like crun below, and once more with its cgroup
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
ensure_packages $BUILD_PACKAGES crun bubblewrap hyperfine busybox-static gcc libc6-dev
ensure_swift

echo "bench-start: building the static release corralctl and corral-floor-plan"
release=$(scripts/build-release.sh corralctl corral-floor-plan)
corralctl=$release/corralctl

work=$(mktemp -d /tmp/corral-bench-start.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -static -o "$work/floor" Benchmarks/floor/floor.c -lcap
mkdir -p "$work/run" "$work/staging"
rootfs=$work/rootfs
mkdir -p "$rootfs"/bin "$rootfs"/proc "$rootfs"/sys "$rootfs"/dev "$rootfs"/tmp "$rootfs"/etc
cp /bin/busybox "$rootfs"/bin/busybox
ln -s busybox "$rootfs"/bin/true
ln -s busybox "$rootfs"/bin/sh

cat > "$work/true.xml" <<XML
<domain type='lxc'>
  <name>bench-true</name>
  <os><type>exe</type><init>/bin/true</init></os>
  <devices>
    <filesystem type='mount'><source dir='$rootfs'/><target dir='/'/></filesystem>
  </devices>
</domain>
XML
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
crun_cmd="crun --cgroup-manager=disabled --root $work/run/crun run -b $work/bundle bench-\$RANDOM"
bwrap_cmd="bwrap --bind $rootfs / --proc /proc --dev /dev --ro-bind /sys /sys --unshare-all --die-with-parent /bin/true"

# The first run compiles and caches the seccomp filter, which the floor then loads.
unshare --mount --propagation private sh -c "
    umount /sys/fs/cgroup/unified 2>/dev/null || true
    mount -t tmpfs -o mode=0755 bench-run '$work/run'
    $corral_cmd || { echo 'bench-start: corralctl run failed' >&2; exit 1; }
    floor_cmd=\"$work/floor $work/floor.plan $work/staging \$(ls $state/seccomp-*.bpf) /bin/true\"
    \$floor_cmd || { echo 'bench-start: the floor failed' >&2; exit 1; }
    hyperfine --shell=none --warmup 20 --runs ${RUNS:-200} --export-json '$work/result.json' \
        -n floor \"\$floor_cmd\" -n corral '$corral_cmd' -n corral-cgroup '$corral_cgroup_cmd' \
        -n crun '$(echo "$crun_cmd" | sed 's/\$RANDOM/{id}/')' -n bwrap '$bwrap_cmd' --parameter-list id 1
"
python3 - "$work/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def find(name):
    return results[name] if name in results else next(r for key, r in results.items() if key.startswith(name))
floor, corral, cgroup, crun, bwrap = (find(name) for name in ("floor", "corral", "corral-cgroup", "crun", "bwrap"))
for name, r in (("floor", floor), ("corral", corral), ("corral-cgroup", cgroup), ("crun", crun), ("bwrap", bwrap)):
    print(f"{name:13s} mean {r['mean']*1000:6.2f} ms  median {r['median']*1000:6.2f} ms")
def ratio(a, b):
    return f"{a['median']/b['median']:.2f}"
print(f"medians, without cgroups: corral/floor {ratio(corral, floor)}   corral/crun {ratio(corral, crun)}   "
      f"bwrap/crun {ratio(bwrap, crun)}   floor/crun {ratio(floor, crun)}")
print(f"with its cgroup: corral-cgroup/corral {ratio(cgroup, corral)}")
PY
