#!/usr/bin/env bash
# The cgroup tests on a pure cgroup v2 host, for real (docs/ARCHITECTURE.md §7): boots Debian 12's own
# 6.1 kernel under qemu (TCG; the kernel package is downloaded and unpacked into a cache, never
# installed on this host) with an initramfs holding busybox, the static release corral-monitor,
# a busybox container rootfs and the test script, which runs containers and prints one
# "VMTEST name PASS|FAIL" line each on the serial console. Exits non-zero unless all pass.
# VM_BENCH_COUNTS="20 100" also runs corrald with that many containers at once on pure cgroup2
# and prints how long they took to run and to stop (a figure, not a test; TCG makes every
# system call slow, so only the growth between the counts means anything).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "vm-test: needs root (static build tools, cpio of device nodes)" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES qemu-system-x86 busybox-static gcc libc6-dev cpio
ensure_swift

debian_kernel
kernel=$KERNEL
# Every block driver of Debian's kernel is a module: the loop driver gives the VM a disk, which
# the device list must keep from the containers.
loop_module=$(find "$KERNEL_MODULES" -name loop.ko | head -1)

echo "vm-test: building the static corral-monitor and corrald"
bin=$(scripts/build-release.sh corral-monitor corrald)
work=$(mktemp -d /tmp/corral-vm-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
initramfs=$work/initramfs
mkdir -p "$initramfs"/{bin,proc,sys,dev,tmp,run,corral/tests,corral/rootfs/bin,corral/rootfs/proc,corral/rootfs/sys,corral/rootfs/dev,corral/rootfs/tmp}
cp /bin/busybox "$initramfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$initramfs/bin/$applet"; done
cp "$loop_module" "$initramfs/corral/loop.ko"
strip -o "$initramfs/corral/corral-monitor" "$bin/corral-monitor"
strip -o "$initramfs/corral/corrald" "$bin/corrald"
mkdir -p "$initramfs/corral/containers" "$initramfs/corral/staged"
cp /bin/busybox "$initramfs/corral/rootfs/bin/busybox"
for applet in sh sleep true echo cat ls mkdir head mount wc test [; do ln -sf busybox "$initramfs/corral/rootfs/bin/$applet"; done
gcc -static -O1 -x c -o "$initramfs/corral/rootfs/bin/probe" Tests/CorralTestSupport/Probe/syscall-probe.c.txt

definition() {  # NAME SCRIPT EXTRA [FILESYSTEMS]
    cat > "$initramfs/corral/tests/$1.xml" <<XML
<domain type='lxc'>
  <name>$1</name>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg><initarg>$2</initarg></os>
  $3
  <devices><filesystem type='mount'><source dir='/corral/rootfs'/><target dir='/'/></filesystem>${4:-}</devices>
</domain>
XML
}
definition mem64 '/bin/probe alloc 256; echo "status=$?"' "<memory unit='MiB'>64</memory>"
definition mem1g '/bin/probe alloc 256; echo "status=$?"' "<memory unit='GiB'>1</memory>"
# An init the OOM killer ends: named as such (memory.events' oom_kill).
definition hungry 'exec /bin/probe alloc 256' "<memory unit='MiB'>64</memory>"
# Limits out of reach: the container's own sub-cgroup with memory.max lifted, and itself in it.
definition lift 'mkdir /sys/fs/cgroup/escape; echo max &gt; /sys/fs/cgroup/escape/memory.max; echo $$ &gt; /sys/fs/cgroup/escape/cgroup.procs; echo max &gt; /sys/fs/cgroup/memory.max 2&gt;/dev/null; echo "in: $(cat /proc/self/cgroup)"; /bin/probe alloc 256; echo "status=$?"' "<memory unit='MiB'>64</memory>"
# The device list (the cgroup2 BPF program): the VM's disk through the host's /dev bound in.
definition disk '[ -b /hostdev/loop0 ] &amp;&amp; echo node-present; head -c 512 /hostdev/loop0 &gt;/dev/null 2&gt;&amp;1 &amp;&amp; echo disk-read || echo disk-refused; echo x &gt; /dev/null &amp;&amp; echo null-ok' "" \
    "<filesystem type='mount'><source dir='/dev'/><target dir='/hostdev'/></filesystem>"
definition bomb '/bin/probe forkbomb' "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:pids max='40'/></c:container></metadata>"
definition web 'trap "exit 0" TERM; while true; do sleep 1 &amp; wait; done' "<memory unit='MiB'>96</memory>"
mv "$initramfs/corral/tests/web.xml" "$initramfs/corral/staged/web.xml"
[ -z "${VM_BENCH_COUNTS:-}" ] || echo "$VM_BENCH_COUNTS" > "$initramfs/corral/bench-counts"
definition quick '/bin/true' ""
definition stuck "trap '' TERM; sleep 1000 &amp; sleep 1000 &amp; echo started; wait; wait" \
    "<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:stop timeout='1'/></c:container></metadata>"

cat > "$initramfs/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
if [ ! -e /.switched ]; then
    # pivot_root does not work from the initramfs itself: move everything into a tmpfs first.
    mkdir -p /newroot && mount -t tmpfs -o size=1200m tmpfs /newroot
    cp -a /bin /corral /init /newroot/ && mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run
    touch /newroot/.switched
    umount /proc /sys /dev
    exec switch_root /newroot /init
fi
mount -t cgroup2 none /sys/fs/cgroup
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts && { [ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx; }
result() { if [ "$2" = yes ]; then echo "VMTEST $1 PASS"; else echo "VMTEST $1 FAIL: $3"; fi; }
echo "VMTEST kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
run() { /corral/corral-monitor "/corral/tests/$1.xml" --state-dir /run/corral 2>&1; }
out=$(run mem64); case "$out" in *status=137*) result memory-64MiB-stops-256MiB yes;; *) result memory-64MiB-stops-256MiB no "$out";; esac
out=$(run mem1g); case "$out" in *"256 MiB allocated"*status=0*) result memory-1GiB-allows-256MiB yes;; *) result memory-1GiB-allows-256MiB no "$out";; esac
out=$(run hungry); case "$out" in *"out of memory (limit 64 MiB)"*) result oom-named yes;; *) result oom-named no "$out";; esac
out=$(run lift); case "$out" in *"in: 0::/escape"*status=137*) result limits-out-of-reach yes;; *) result limits-out-of-reach no "$out";; esac
insmod /corral/loop.ko && dd if=/dev/zero of=/tmp/disk.img bs=1M count=4 2>/dev/null && losetup /dev/loop0 /tmp/disk.img
out=$(run disk); case "$out" in *node-present*disk-refused*null-ok*) result device-list-refuses-the-disk yes;; *) result device-list-refuses-the-disk no "$out";; esac
[ -b /dev/loop0 ] && head -c 512 /dev/loop0 | wc -c | grep -qx 512 && result host-reads-its-disk yes || result host-reads-its-disk no "no /dev/loop0"
out=$(run bomb); forks=$(echo "$out" | sed -n 's/^forkbomb: \([0-9]*\) forks.*/\1/p')
if [ -n "$forks" ] && [ "$forks" -lt 40 ] && /bin/true; then result pids-limit-stops-fork-bomb yes; else result pids-limit-stops-fork-bomb no "$out"; fi
/corral/corral-monitor /corral/tests/stuck.xml --state-dir /run/corral > /tmp/stuck.out 2>&1 &
monitor=$!
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q started /tmp/stuck.out && break; sleep 0.5; done
[ -d /sys/fs/cgroup/corral/stuck ] && result cgroup-created yes || result cgroup-created no "$(cat /tmp/stuck.out)"
[ -d /sys/fs/cgroup/corral/stuck/payload ] && grep -q 4096 /sys/fs/cgroup/corral/stuck/pids.max && [ "$(cat /sys/fs/cgroup/corral/stuck/payload/pids.max)" = max ] \
    && result limits-outside-init-inside yes || result limits-outside-init-inside no "$(ls /sys/fs/cgroup/corral/stuck 2>&1 | head -3)"
kill -TERM $monitor; wait $monitor
if pgrep -x sleep >/dev/null; then result cgroup-kill-leaves-no-process no "$(pgrep -l sleep)"; else result cgroup-kill-leaves-no-process yes; fi
left=$(ls /sys/fs/cgroup/corral 2>/dev/null | grep -c -v -e '^cgroup\.' -e '\.' || true)
[ "$left" = 0 ] && result no-cgroup-left yes || result no-cgroup-left no "$(ls /sys/fs/cgroup/corral)"
# corrald as systemd runs it with Delegate=yes: its unit's cgroup, INVOCATION_ID set.
unit=/sys/fs/cgroup/system.slice/corrald.service
mkdir -p $unit && echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control && echo "+memory +pids" > /sys/fs/cgroup/system.slice/cgroup.subtree_control
sh -c "echo \$\$ > $unit/cgroup.procs; INVOCATION_ID=vmtest exec /corral/corrald --config /dev/null --config-dir /corral/containers --state-dir /run/corral --log-dir /tmp --monitor /corral/corral-monitor" > /tmp/corrald.log 2>&1 &
daemon=$!
for i in $(seq 60); do grep -q "corrald ready" /tmp/corrald.log && break; sleep 0.5; done
mv /corral/staged/web.xml /corral/containers/
for i in $(seq 40); do grep -q "web: running" /tmp/corrald.log && break; sleep 0.5; done
limit=$(cat $unit/containers/web/memory.max 2>/dev/null)
[ "$limit" = 100663296 ] && result delegated-container-cgroup yes || result delegated-container-cgroup no "memory.max=$limit; $( (cat /tmp/web.log 2>/dev/null | tail -5; tail -3 /tmp/corrald.log) | tr "\n" "|")"
grep -qx "$daemon" $unit/daemon/cgroup.procs && [ ! -s $unit/cgroup.procs ] && result daemon-in-a-leaf yes || result daemon-in-a-leaf no "$(cat $unit/cgroup.procs)"
kill -TERM $daemon; wait $daemon
[ ! -e $unit/containers/web ] && result delegated-cgroup-removed yes || result delegated-cgroup-removed no "$(ls $unit/containers)"
# A figure, not a test: what its cgroup costs a start on pure cgroup2, where init is cloned
# straight into it (CLONE_INTO_CGROUP) — runs alternated, /proc/uptime's centiseconds summed.
centiseconds() { read up rest < /proc/uptime; echo "${up%.*}${up#*.}"; }
with=0; without=0
for i in $(seq 20); do
    t0=$(centiseconds); run quick >/dev/null; t1=$(centiseconds)
    /corral/corral-monitor /corral/tests/quick.xml --state-dir /run/corral --no-cgroup >/dev/null 2>&1; t2=$(centiseconds)
    with=$((with + t1 - t0)); without=$((without + t2 - t1))
done
echo "VMTEST bench: 20 starts of /bin/true under TCG: with its cgroup $((with * 10)) ms, without $((without * 10)) ms, corral-cgroup/corral $((with * 100 / (without > 0 ? without : 1)))%"
if [ -e /corral/bench-counts ]; then
    for count in $(cat /corral/bench-counts); do
        bench=/bench/$count
        mkdir -p $bench/staged $bench/containers $bench/state
        for i in $(seq $count); do
            cat > $bench/staged/b$i.xml <<XML
<domain type='lxc'><name>b$i</name><os><type>exe</type><init>/bin/sleep</init><initarg>1000000</initarg></os>
<devices><filesystem type='mount'><source dir='/corral/rootfs'/><target dir='/'/><readonly/></filesystem></devices>
<metadata><c:container xmlns:c='https://corral.dev/xmlns/container/1'><c:stop signal='SIGKILL'/></c:container></metadata></domain>
XML
        done
        /corral/corrald --config /dev/null --config-dir $bench/containers --state-dir $bench/state --log-dir $bench \
            --monitor /corral/corral-monitor > $bench/corrald.log 2>&1 &
        daemon=$!
        for i in $(seq 600); do [ -e $bench/state/corrald.pid ] && break; sleep 0.1; done
        t0=$(centiseconds)
        mv $bench/staged/*.xml $bench/containers/
        # corrald's own "NAME: running" lines, one file: a grep over every state file each time
        # took a good part of the (emulated) CPU from the start it timed, more the more ran.
        for i in $(seq 6000); do [ "$(grep -c ': running, init pid' $bench/corrald.log)" -ge $count ] && break; sleep 0.1; done
        t1=$(centiseconds)
        kill -TERM $daemon; wait $daemon
        t2=$(centiseconds)
        echo "VMTEST bench-daemon: $count containers running $(( (t1 - t0) * 10 )) ms after the drop, all stopped $(( (t2 - t1) * 10 )) ms after SIGTERM"
    done
fi
echo "VMTEST DONE"
poweroff -f
INIT
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"
echo "vm-test: booting $(basename "$kernel") under qemu (TCG), initramfs $(( $(stat -c %s "$work/initramfs.gz") / 1048576 )) MiB"
timeout ${VM_TIMEOUT:-600} qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot \
    -kernel "$kernel" -initrd "$work/initramfs.gz" -append "console=ttyS0 quiet panic=-1 rdinit=/init" \
    > "$work/serial.log" 2>&1 || true
grep -a "VMTEST" "$work/serial.log" | tr -d '\r'
grep -aq "VMTEST DONE" "$work/serial.log" || { echo "vm-test: the VM did not finish; last lines:"; tail -20 "$work/serial.log"; exit 1; }
! grep -aq "VMTEST .* FAIL" "$work/serial.log"
