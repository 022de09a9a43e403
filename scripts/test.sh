#!/usr/bin/env bash
# The README's test command: on a bare Debian 12 machine (as root, or with sudo) installs
# what the build and the tests need, builds, and runs the whole test suite.
set -eu
cd "$(dirname "$0")/.."

# Build: libxml2, libcap, libseccomp (+ pkg-config to find them).
# Tests: xmllint and libvirt's domain schema (libvirt0) to validate formatted output;
# busybox-static for the container root filesystems the runtime tests build.
packages="pkg-config libxml2-dev libcap-dev libseccomp-dev libxml2-utils libvirt0 busybox-static e2fsprogs"

missing=""
for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing="$missing $package"
done
if [ -n "$missing" ]; then
    echo "test.sh: installing$missing"
    as_root=""
    [ "$(id -u)" -eq 0 ] || as_root="sudo"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null || { echo "test.sh: no Swift toolchain on PATH (Swift 6 is needed)" >&2; exit 1; }

echo "test.sh: building"
swift build --build-tests
echo "test.sh: running tests"
swift test --skip-build

# The suite's own leak check, across all tests: nothing of a test container may remain.
leaks=""
grep -q "corral-test-" /proc/self/mountinfo && leaks="$leaks mounts"
for device in /sys/block/loop*/loop/backing_file; do
    [ -e "$device" ] && grep -q "corral-test-" "$device" && leaks="$leaks loop:$device"
done
pgrep -x corral-monitor >/dev/null && leaks="$leaks corral-monitor-processes"
ls -d /tmp/corral-test-* >/dev/null 2>&1 && leaks="$leaks temporary-directories"
if [ -n "$leaks" ]; then
    echo "test.sh: the tests leaked:$leaks" >&2
    exit 1
fi
echo "test.sh: no leaked mounts, loop devices, processes or temporary directories"
