#!/usr/bin/env bash
# Release build of Corral's executables, fully static (docs/ARCHITECTURE.md §3: a static binary starts
# in 0.5 ms, a dynamic one with libxml2 and ICU in several): the Swift runtime with
# --static-swift-stdlib, and glibc, libxml2 and its ICU, zlib and lzma with -static-executable.
# Prints the directory holding the binaries. Usage: scripts/build-release.sh [PRODUCT…]
set -euo pipefail
cd "$(dirname "$0")/.."

products=${*:-corralctl corral-monitor corrald}
# -disable-concrete-type-metadata-mangled-name-accessors: code reaches a generic type's metadata
# (Set<String>, [ContainerPath: Int], …) through its accessor, not by demangling its name at
# first use, which also scanned every protocol conformance of the binary to check the type's
# requirements: a third of `corralctl run`'s instructions before (docs/ARCHITECTURE.md §3).
# -prespecialize-generic-metadata: the metadata of the generic structs and enums the code
# names with concrete arguments ([IDMapRange], Optional<MountStep>, …) is emitted in the binary
# instead of instantiated at first use: ~2.5% of a start (three runs of 500 interleaved starts).
# lld with scripts/link-order.txt packs the functions a start runs together: a start of a static
# Swift binary is mostly page faults on its text (scripts/link-order.sh says more).
# -gdwarf-4 for the C shim: Debian 12's valgrind, which link-order.sh runs, cannot read the
# DWARF 5 clang writes by default, and gives up on the whole binary.
flags=(-c release --scratch-path .build-static --static-swift-stdlib -Xcc -gdwarf-4
       -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors
       -Xswiftc -Xfrontend -Xswiftc -prespecialize-generic-metadata
       -Xswiftc -use-ld=lld -Xswiftc -static-executable
       -Xlinker -licuuc -Xlinker -licudata -Xlinker -lz -Xlinker -llzma -Xlinker -lstdc++ -Xlinker -lm)
if [ -s scripts/link-order.txt ]; then
    # Named by its content: SwiftPM relinks when the flags change, not when a file they name does.
    mkdir -p .build-static
    order=.build-static/link-order-$(sha256sum scripts/link-order.txt | cut -c1-16).txt
    [ -e "$order" ] || cp scripts/link-order.txt "$order"
    flags+=(-Xlinker --symbol-ordering-file="$PWD/$order" -Xlinker --no-warn-symbol-ordering)
fi
for product in $products; do
    echo "build-release: $product" >&2
    # The linker warns that glibc's NSS and libxml2's nanohttp need shared libraries at run
    # time; Corral calls neither (users come from the container's /etc, and NONET is set).
    # The build's own status decides (pipefail would see grep's "nothing matched" otherwise).
    status=0
    output=$(swift build "${flags[@]}" --product "$product" 2>&1) || status=$?
    printf '%s\n' "$output" | grep -v -e "statically linked applications requires at runtime" -e "use of .mktemp. is dangerous" \
        | grep -E "error|warning: " >&2 || true
    [ "$status" -eq 0 ] || { echo "build-release: building $product failed" >&2; exit 1; }
done
swift build "${flags[@]}" --show-bin-path
