#!/bin/bash
# Fuzzes the definition parser with libFuzzer for SECONDS (default 60), seeded with the test
# fixtures: every input must end in a Domain or in diagnostics, and a Domain's canonical form
# must parse again to itself. Crashes land in .build-fuzz/crashes; the exit status is libFuzzer's.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out/corpus" "$out/crashes"
# One module of CorralDomain's sources and the entry point, instrumented for coverage.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name CorralDomain \
    -I Sources/CLibXML2 -Xcc -I/usr/include/libxml2 -lxml2 \
    $(find Sources/CorralDomain -name '*.swift' | sort) Fuzz/ParserFuzzEntry.swift \
    -o "$out/parser-fuzz"
seeds=$(find Tests/CorralDomainTests/Fixtures -name '*.xml' | wc -l)
[ "$seeds" -gt 0 ] || { echo "fuzz: no seed fixtures found" >&2; exit 1; }
find Tests/CorralDomainTests/Fixtures -name '*.xml' -exec cp {} "$out/corpus/" \;
echo "fuzz: $seeds seeds, ${seconds} s"
exec "$out/parser-fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -artifact_prefix="$out/crashes/" "$out/corpus"
