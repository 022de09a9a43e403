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
BUILD_PACKAGES="pkg-config libxml2-dev libcap-dev libseccomp-dev"
