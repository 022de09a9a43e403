#!/usr/bin/env bash
# Cold start-to-exit of a /bin/true container on a busybox rootfs, in one hyperfine run:
#   corralctl run  (root = mount of a directory; /proc, /sys, /dev, /dev/pts, shm, mqueue),
#                  --no-cgroup like crun below, and once more with its cgroup
#   crun run       (Debian's default `crun spec`: the same namespaces and mounts, no cgroup mount)
#   bwrap          (bind root, --proc, --dev, ro /sys, all namespaces unshared)
# Prints the ratio corral/crun (the README gives the latest figures).
# On hybrid-cgroup hosts crun needs --cgroup-manager=disabled and the cgroup2 mount hidden,
# so all three run inside one private mount namespace with /sys/fs/cgroup/unified unmounted.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench-start: needs root" >&2; exit 1; }

. scripts/lib.sh
ensure_packages $BUILD_PACKAGES crun bubblewrap hyperfine busybox-static
ensure_swift

echo "bench-start: building the static release corralctl"
corralctl=$(scripts/build-release.sh corralctl)/corralctl

work=$(mktemp -d /tmp/corral-bench-start.XXXXXX)
trap 'rm -rf "$work"' EXIT
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
"$corralctl" run "$work/true.xml" --state-dir "$work/state" || { echo "bench-start: corralctl run failed" >&2; exit 1; }

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

corral_cmd="$corralctl run $work/true.xml --state-dir $work/state --no-cgroup"
corral_cgroup_cmd="$corralctl run $work/true.xml --state-dir $work/state"
crun_cmd="crun --cgroup-manager=disabled --root $work/crun-state run -b $work/bundle bench-\$RANDOM"
bwrap_cmd="bwrap --bind $rootfs / --proc /proc --dev /dev --ro-bind /sys /sys --unshare-all --die-with-parent /bin/true"

unshare --mount --propagation private sh -c "
    umount /sys/fs/cgroup/unified 2>/dev/null || true
    hyperfine --shell=none --warmup 20 --runs ${RUNS:-200} --export-json '$work/result.json' \
        -n corral '$corral_cmd' -n corral-cgroup '$corral_cgroup_cmd' -n crun '$(echo "$crun_cmd" | sed 's/\$RANDOM/{id}/')' -n bwrap '$bwrap_cmd' \
        --parameter-list id 1 2>/dev/null ||
    hyperfine --warmup 20 --runs ${RUNS:-200} --export-json '$work/result.json' \
        -n corral '$corral_cmd' -n corral-cgroup '$corral_cgroup_cmd' -n crun '$crun_cmd' -n bwrap '$bwrap_cmd'
"
python3 - "$work/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def find(name):
    return results[name] if name in results else next(r for key, r in results.items() if key.startswith(name))
corral, cgroup, crun, bwrap = find("corral"), find("corral-cgroup"), find("crun"), find("bwrap")
for name, r in (("corral", corral), ("corral-cgroup", cgroup), ("crun", crun), ("bwrap", bwrap)):
    print(f"{name:13s} mean {r['mean']*1000:6.2f} ms  median {r['median']*1000:6.2f} ms")
print(f"ratio corral/crun (both without cgroups): {corral['mean']/crun['mean']:.2f}     bwrap/crun: {bwrap['mean']/crun['mean']:.2f}")
print(f"with its cgroup (v1 placement waits for an RCU grace period): corral/crun {cgroup['mean']/crun['mean']:.2f}")
PY
