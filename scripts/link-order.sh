#!/usr/bin/env bash
# Regenerates scripts/link-order.txt, the order in which the release build lays out the
# functions and data a start touches (lld --symbol-ordering-file; docs/ARCHITECTURE.md §3): a
# static Swift binary's start is mostly page faults — each on its text maps one 64 KiB window,
# each first write to its data copies one page — so what a start touches is packed together.
# The list is what valgrind's lackey sees `corralctl validate` and `corralctl run` execute, then
# read or write, each in the order of its first touch; then, by name, the code after the clone,
# in the children and in the monitor's supervision, which valgrind cannot follow. Stale names
# are ignored by the linker; code a start newly runs lands outside the packed range until this
# is run again.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "link-order: needs root (it starts a container)" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES valgrind busybox-static binutils
ensure_swift

bin=$(scripts/build-release.sh corralctl)
work=$(mktemp -d /tmp/corral-link-order.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/state
busybox_rootfs "$work/rootfs" true
true_definition link-order "$work/rootfs" > "$work/true.xml"

# lackey traces every instruction fetched and every load and store. Under valgrind the run
# stops at its clone3 (valgrind lacks it): what ran up to the clone is what it sees.
valgrind --tool=lackey --trace-mem=yes --log-file="$work/validate.mem" "$bin/corralctl" validate "$work/true.xml" >/dev/null 2>&1
valgrind --tool=lackey --trace-mem=yes --log-file="$work/run.mem" "$bin/corralctl" run "$work/true.xml" \
    --state-dir "$work/state" --no-cgroup >/dev/null 2>&1 || true
nm -S --defined-only "$bin/corralctl" > "$work/symbols"
python3 - "$work/symbols" "$work/validate.mem" "$work/run.mem" > "$work/touched" <<'PY'
import bisect, sys
# nm -S: address, size, kind, name.
symbols = sorted((int(fields[0], 16), int(fields[1], 16), fields[2], fields[3])
                 for fields in (line.split() for line in open(sys.argv[1])) if len(fields) == 4)
starts = [symbol[0] for symbol in symbols]
code, data, seen = [], [], set()
for trace in sys.argv[2:]:
    for line in open(trace):
        fields = line.split()
        if len(fields) != 2 or fields[0] not in ("I", "L", "S", "M"):
            continue
        address = int(fields[1].split(",")[0], 16)
        index = bisect.bisect_right(starts, address) - 1
        if index < 0:
            continue
        start, size, kind, name = symbols[index]
        if address >= start + max(size, 1) or name in seen:
            continue
        if fields[0] == "I" and kind in "tTwW":
            seen.add(name)
            code.append(name)
        elif fields[0] != "I" and kind in "dDbBgGrRsSvV":
            seen.add(name)
            data.append(name)
print("\n".join(code + data))
PY
{
    cat "$work/touched"
    nm --defined-only "$bin/corralctl" | awk '$2 ~ /[tT]/ {print $3}' | grep -E \
        'ChildSetup|ChildMounter|ContainerTreeMounter|ChildIdentityLookup|childFail|InitPollLoop|ContainerLauncher|LaunchedContainer|ForegroundContainer|ForegroundRun|LauncherClaim|ContainerExit|StopSignal|BlockedSignals|OwnedDescriptor|FileIO|ContainerSupervisor|ContainerRecord|StateDirectory|ConsoleServer|ConsoleLog|TTYConsole|RestartPolicy|ContainerCgroup|CgroupTree|^corral_'
} | awk 'NF && !seen[$0]++' > scripts/link-order.txt
echo "link-order: $(wc -l < scripts/link-order.txt) symbols in scripts/link-order.txt"
