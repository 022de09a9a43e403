# Shared by the scripts: sourced, not run.

# ensure_packages NAME… — installs the Debian packages that are missing (as root, or with
# sudo), so every script works on a bare Debian 12 machine and does nothing when all is there.
ensure_packages() {
    local missing="" package as_root=""
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing="$missing $package"
    done
    [ -n "$missing" ] || return 0
    echo "$(basename "$0"): installing$missing"
    [ "$(id -u)" -eq 0 ] || as_root="sudo"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

# ensure_swift — puts the toolchain on PATH (it lives in /opt/swift on the project's machines).
ensure_swift() {
    if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then PATH=/opt/swift/usr/bin:$PATH; fi
    command -v swift >/dev/null || { echo "$(basename "$0"): no Swift toolchain on PATH (Swift 6 is needed)" >&2; exit 1; }
}

# The packages building Corral needs: its system libraries, and the static archives
# (ICU, zlib, lzma come with libxml2-dev) that scripts/build-release.sh links.
BUILD_PACKAGES="pkg-config libxml2-dev libcap-dev libseccomp-dev libnl-route-3-dev"

# debian_kernel — sets KERNEL (the vmlinuz) and KERNEL_MODULES (its lib/modules/VERSION) of
# Debian 12's newest 6.1 kernel, downloaded and unpacked into a cache (CORRAL_VM_CACHE, default
# /var/cache/corral-test/kernel), never installed on this host. Exits 2 when there is none.
debian_kernel() {
    local cache=${CORRAL_VM_CACHE:-/var/cache/corral-test/kernel} package
    mkdir -p "$cache"
    newest_kernel() { apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' | awk '{print $1}' | sort -V | tail -1; }
    package=$(newest_kernel)
    if [ -z "$package" ] && ! ls "$cache"/linux-image-6.1.0-*/boot/vmlinuz-* >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
        package=$(newest_kernel)
    fi
    if [ -z "$package" ]; then  # offline, but unpacked earlier: use that
        package=$(ls -d "$cache"/linux-image-6.1.0-*-amd64 2>/dev/null | xargs -r -n1 basename | sort -V | tail -1)
    fi
    [ -n "$package" ] || { echo "$(basename "$0"): no linux-image-6.1.0-*-amd64 package in the apt sources" >&2; exit 2; }
    if ! ls "$cache/$package"/boot/vmlinuz-* >/dev/null 2>&1; then
        echo "$(basename "$0"): downloading $package (unpacked into $cache, not installed)" >&2
        (cd "$cache" && apt-get download -q "$package" >/dev/null)
        rm -rf "${cache:?}/$package" && dpkg-deb -x "$cache/${package}"_*.deb "$cache/$package"
    fi
    KERNEL=$(ls "$cache/$package"/boot/vmlinuz-* | head -1)
    KERNEL_MODULES=$(ls -d "$cache/$package"/lib/modules/*/ | head -1)
    KERNEL_MODULES=${KERNEL_MODULES%/}
}

# lxc_config NAME ROOTFS [LINE…] — an LXC container configuration for the benchmarks' peer
# runs: the name, the rootfs directory, no AppArmor profile, then the given lines.
lxc_config() {
    local name=$1 rootfs=$2 line
    shift 2
    printf 'lxc.uts.name = %s\nlxc.rootfs.path = dir:%s\nlxc.apparmor.profile = unconfined\n' "$name" "$rootfs"
    for line in "$@"; do printf '%s\n' "$line"; done
}

# busybox_rootfs DIR APPLET… — a minimal container root: busybox with those applets linked to
# it, and the directories the runtime mounts on.
busybox_rootfs() {
    local rootfs=$1
    shift
    mkdir -p "$rootfs"/bin "$rootfs"/proc "$rootfs"/sys "$rootfs"/dev "$rootfs"/tmp "$rootfs"/etc
    cp /bin/busybox "$rootfs/bin/busybox"
    for applet in "$@"; do ln -s busybox "$rootfs/bin/$applet"; done
}

# true_definition NAME ROOTFS [DEVICES] — prints a definition whose init is /bin/true on ROOTFS
# (a `mount` root), with DEVICES (XML) beside it: what the start benchmarks time.
true_definition() {
    cat <<XML
<domain type='lxc'>
  <name>$1</name>
  <os><type>exe</type><init>/bin/true</init></os>
  <devices>
    <filesystem type='mount'><source dir='$2'/><target dir='/'/></filesystem>
    ${3:-}
  </devices>
</domain>
XML
}

# install_copies FROM TO BINARY… — copies release binaries as scripts/install.sh installs them
# (install(1), whose write(2)s fill the page cache with large folios). The linker's own output
# is written through a shared mapping, one small page-cache page at a time, and an exec of it
# maps its text page by page: ~0.5 ms more a start on the project's VM. Benchmarks time what a
# host runs, so they time copies (and say what a cache filled by exec faults costs).
install_copies() {
    local from=$1 to=$2 binary
    shift 2
    install -d "$to"
    for binary in "$@"; do install -m 0755 "$from/$binary" "$to/$binary"; done
}

# drop_page_cache FILE… — drops what the page cache holds of each FILE, as a reboot would; fails
# when more than a tenth stays (pages a running process maps, or a tmpfs, which cannot drop).
drop_page_cache() {
    python3 -c 'import os, sys
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED); os.close(fd)' "$@"
    local file cached size
    for file in "$@"; do
        cached=$(fincore --bytes --noheadings --output RES "$file")
        size=$(stat -c %s "$file")
        [ "$(( cached * 10 ))" -le "$size" ] || { echo "drop_page_cache: $file: $cached of $size bytes still cached" >&2; return 1; }
    done
}

# fault_in_copy FROM TO — a copy of FROM whose page cache is dropped, then filled by an exec's
# page faults: what a host has after a reboot until something reads the file whole.
fault_in_copy() {
    install -m 0755 "$1" "$2"
    drop_page_cache "$2"
    "$2" --help > /dev/null
}
