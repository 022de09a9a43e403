#!/usr/bin/env bash
# Parse throughput: CorralDomain (parse+validate, and +format) against `xmllint --noout`
# over the same files in the same run, one core each. Goal (issue 2): parse+validate at
# least 20,000 files/s per core and within 2x of bare xmllint parsing.
set -eu
cd "$(dirname "$0")/.."

command -v xmllint >/dev/null || { echo "bench-parse: xmllint missing (apt-get install libxml2-utils)" >&2; exit 1; }

files=(Tests/CorralDomainTests/Fixtures/valid/*.xml)
if [ -d ../shared/corpus/libvirt-lxc ]; then files+=(../shared/corpus/libvirt-lxc/*.xml); fi
echo "bench-parse: ${#files[@]} definition files, $(cat "${files[@]}" | wc -c) bytes"

echo "bench-parse: building release binary"
swift build -c release --product corral-bench-parse >/dev/null
bench=$(swift build -c release --show-bin-path)/corral-bench-parse

# Pin both to one core so the figures are per core.
cpu=0
taskset -c $cpu "$bench" --seconds 3 "${files[@]}"

# xmllint: the same files repeated enough times that its start-up is noise.
repeats=400
args=()
for _ in $(seq $repeats); do args+=("${files[@]}"); done
count=${#args[@]}
start=$(date +%s%N)
taskset -c $cpu xmllint --noout "${args[@]}"
end=$(date +%s%N)
rate=$(( count * 1000000000 / (end - start) ))
echo "xmllint --noout (parse only):  $rate files/s  ($(( (end - start) / count / 1000 )) µs/file)"
