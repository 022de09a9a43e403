#!/usr/bin/env bash
# corrald under a real systemd (docs/ARCHITECTURE.md §7): boots Debian 12's own 6.1 kernel under
# qemu (TCG) on an ext4 image of the Debian 12 test rootfs (scripts/debian-rootfs.sh) with
# systemd as PID 1 and pure cgroup v2. Corral is installed into the image by
# scripts/install.sh (DESTDIR), so the unit and configuration tested are the shipped ones; a
# small initramfs of our own loads virtio_blk and ext4 and switch_roots into it. The guest runs
# scripts/vm-systemd-guest.sh, which prints one "VMTEST name PASS|FAIL" line per check on the
# serial console. Exits 0 when all pass, 1 when one fails, 2 when the Debian archive (for the
# rootfs or the kernel) cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "vm-systemd-test: needs root (the image holds root-owned files)" >&2; exit 1; }
. scripts/lib.sh
ensure_packages $BUILD_PACKAGES qemu-system-x86 busybox-static kmod e2fsprogs cpio
ensure_swift

debian=$(scripts/debian-rootfs.sh) || exit $?
debian_kernel
work=$(mktemp -d /tmp/corral-vm-systemd.XXXXXX)
# CORRAL_VM_KEEP=1 keeps the image, the initramfs and the serial log for a look.
[ -n "${CORRAL_VM_KEEP:-}" ] && echo "vm-systemd-test: keeping $work" || trap 'rm -rf "$work"' EXIT

# --- The guest's root: the Debian rootfs, Corral as installed, the test's own files.
root=$work/root
cp -a "$debian/." "$root/"
rm -f "$root/.corral-complete"
echo "vm-systemd-test: installing Corral into the image (scripts/install.sh, DESTDIR)"
DESTDIR=$root scripts/install.sh > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
echo corral-vm > "$root/etc/hostname"
# A machine id: not a first boot, so nothing prompts on the console.
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$root/etc/machine-id"
# The system container's template: a second copy of the rootfs.
cp -a "$debian/." "$root/var/lib/corral/templates/debian/"

# A busybox container with a loop-mounted image and a ram filesystem; its TERM trap leaves a
# witness on the guest, so a graceful stop can be told from a kill.
box=$root/srv/box
mkdir -p "$root/srv/witness"
busybox_rootfs "$box" sh sleep cat echo
mkdir -p "$work/data" && echo data-ok > "$work/data/marker"
mkfs.ext4 -q -F -d "$work/data" "$root/srv/data.img" 8M
box_definition() {  # NAME SCRIPT FILESYSTEMS
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/bin/sh</init><initarg>-c</initarg><initarg>$2</initarg></os>
  <devices>
    <filesystem type='mount'><source dir='/srv/box'/><target dir='/'/></filesystem>
    $3
    <console type='pty'/>
  </devices>
</domain>
XML
}
box_definition web 'echo "data: $(cat /data/marker)"; echo x &gt; /scratch/x &amp;&amp; echo ram-ok; trap "echo term &gt; /witness/web; exit 0" TERM; while true; do sleep 1 &amp; wait; done' \
    "<filesystem type='file'><driver type='loop' format='raw'/><source file='/srv/data.img'/><target dir='/data'/></filesystem>
    <filesystem type='ram'><source usage='8' units='MiB'/><target dir='/scratch'/></filesystem>
    <filesystem type='mount'><source dir='/srv/witness'/><target dir='/witness'/></filesystem>" \
    > "$root/etc/corral/containers/web.xml"
box_definition extra 'trap "exit 0" TERM; while true; do sleep 1 &amp; wait; done' "" > "$root/srv/extra.xml"

# The system container: reports on its boot to its console, then powers off.
mkdir -p "$root/srv/debian-check/multi-user.target.wants"
cat > "$root/srv/debian-check/corral-check.service" <<'UNIT'
[Unit]
Description=Corral boot check
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "check: multi-user $(systemctl is-active multi-user.target)"; echo "check: failed-units $(systemctl --failed --no-legend | wc -l)"; echo "check: journal-lines $(journalctl -b --no-pager | wc -l)"; systemctl poweroff --no-block'
StandardOutput=tty
TTYPath=/dev/console
[Install]
WantedBy=multi-user.target
UNIT
ln -s ../corral-check.service "$root/srv/debian-check/multi-user.target.wants/corral-check.service"
cat > "$root/srv/debian.xml" <<'XML'
<domain type='lxc'>
  <name>debian</name>
  <memory unit='MiB'>384</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <filesystem type='template'><source name='debian'/><target dir='/'/></filesystem>
    <filesystem type='mount'><source dir='/srv/debian-check'/><target dir='/etc/systemd/system.control'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML

# The test's units: the driver, and a witness that systemd stops after corrald at shutdown.
install -m 0755 scripts/vm-systemd-guest.sh "$root/usr/local/sbin/corral-vmtest"
cat > "$root/etc/systemd/system/corral-vmtest.service" <<'UNIT'
[Unit]
Description=Corral's systemd test driver
After=multi-user.target corral-vmtest-witness.service
[Service]
Type=exec
ExecStart=/usr/local/sbin/corral-vmtest run
[Install]
WantedBy=multi-user.target
UNIT
cat > "$root/etc/systemd/system/corral-vmtest-witness.service" <<'UNIT'
[Unit]
Description=Corral's systemd test: reports on the shutdown once corrald has stopped
Before=corrald.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/usr/local/sbin/corral-vmtest shutdown
[Install]
WantedBy=multi-user.target
UNIT
mkdir -p "$root/etc/systemd/system/multi-user.target.wants" "$root/etc/systemd/system/corrald.service.d"
ln -s ../corral-vmtest.service "$root/etc/systemd/system/multi-user.target.wants/"
ln -s ../corral-vmtest-witness.service "$root/etc/systemd/system/multi-user.target.wants/"
printf '[Service]\nWatchdogSec=2\n' > "$root/etc/systemd/system/corrald.service.d/watchdog.conf"

echo "vm-systemd-test: making the ext4 image ($(du -sm "$root" | cut -f1) MiB of files)"
mkfs.ext4 -q -F -L corral-vm -d "$root" "$work/root.img" 3G
rm -rf "$root"

# --- The initramfs: busybox, the modules for a virtio disk with ext4 and for loop devices.
initramfs=$work/initramfs
mkdir -p "$initramfs"/{bin,proc,sys,dev,newroot,modules}
cp /bin/busybox "$initramfs/bin/busybox"
for applet in sh mount umount insmod switch_root sleep echo cat poweroff; do ln -s busybox "$initramfs/bin/$applet"; done
loaded=""
add_module() {  # NAME: the module and what it depends on, dependencies first
    local name=$1 file dependency
    case " $loaded " in *" $name "*) return ;; esac
    file=$(find "$KERNEL_MODULES/kernel" -name "$name.ko" | head -1)
    [ -n "$file" ] || { echo "vm-systemd-test: no module $name in $KERNEL_MODULES" >&2; exit 1; }
    for dependency in $(modinfo -F depends "$file" | tr , ' '); do add_module "$dependency"; done
    cp "$file" "$initramfs/modules/"
    loaded="$loaded $name"
    echo "$name" >> "$initramfs/modules/order"
}
# ext4 asks the crypto API for crc32c by name: its module has no link to it.
for module in virtio_pci virtio_blk crc32c_generic ext4 loop overlay; do add_module "$module"; done
cat > "$initramfs/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for module in $(cat /modules/order); do insmod "/modules/$module.ko" || echo "initramfs: insmod $module failed"; done
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.5; done
mount -t ext4 /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda"; poweroff -f; }
umount /proc /sys /dev
exec switch_root /newroot /sbin/init
INIT
chmod +x "$initramfs/init"
(cd "$initramfs" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"

echo "vm-systemd-test: booting $(basename "$KERNEL") with systemd as PID 1 under qemu (TCG)"
timeout "${VM_TIMEOUT:-400}" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot \
    -kernel "$KERNEL" -initrd "$work/initramfs.gz" \
    -drive "file=$work/root.img,format=raw,if=virtio,cache=unsafe" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init systemd.show_status=false systemd.firstboot=off" \
    > "$work/serial.log" 2>&1 || true
grep -a "VMTEST" "$work/serial.log" | tr -d '\r' || true
if ! grep -aq "VMTEST DONE" "$work/serial.log"; then
    echo "vm-systemd-test: the guest did not finish; its last lines:"
    tail -30 "$work/serial.log" | tr -d '\r'
    exit 1
fi
! grep -aq "VMTEST .* FAIL" "$work/serial.log"
