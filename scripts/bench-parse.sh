#!/usr/bin/env bash
# Parse throughput: CorralDomain (parse+validate, and +format) against `xmllint --noout`
# over the same files in the same run, one core each. Goal: parse+validate at
# least 20,000 files/s per core and within 2x of bare xmllint parsing.
set -eu
cd "$(dirname "$0")/.."

. scripts/lib.sh
ensure_packages $BUILD_PACKAGES libxml2-utils
ensure_swift

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

# Hostile inputs: each must be refused with an error, in well under a second.
hostile=$(mktemp -d /tmp/corral-bench-hostile.XXXXXX)
trap 'rm -rf "$hostile"' EXIT
{
    echo '<?xml version="1.0"?>'; echo '<!DOCTYPE domain ['; echo '<!ENTITY a0 "lol">'
    for i in 1 2 3 4 5 6 7 8 9; do printf '<!ENTITY a%d "%s">\n' $i "$(printf '&a%d;' $(yes $((i - 1)) | head -10))"; done
    echo ']><domain type="lxc"><name>&a9;</name></domain>'
} > "$hostile/billion-laughs.xml"
{ printf "<domain type='lxc'><description>"; head -c 10485760 /dev/zero | tr '\0' x; printf "</description></domain>"; } > "$hostile/ten-megabytes.xml"
head -c 1048576 /dev/urandom > "$hostile/garbage.xml"
{ printf "<domain type='lxc'>"; for _ in $(seq 1000); do printf '<a>'; done; printf '</domain>'; } > "$hostile/deep.xml"
: > "$hostile/empty.xml"
# Many attributes on one element (libxml2 2.9 checks each against all before it: quadratic),
# and the most a file may hold spread over elements of 250 unknown attributes each.
for count in 10000 30000 100000; do
    { printf "<domain type='lxc'><name>x</name><metadata><c:c xmlns:c='urn:x'><c:e"
      seq $count | sed 's/.*/ a&=""/' | tr -d '\n'; printf "/></c:c></metadata></domain>"; } > "$hostile/attributes-$count.xml"
done
{ printf "<domain type='lxc'><name>x</name><os><type>exe</type><init>/i</init></os><devices>"
  for target in $(seq 300); do
      printf "<filesystem type='ram'"; seq 250 | sed 's/.*/ a&=""/' | tr -d '\n'
      printf "><source usage='1'/><target dir='/t%d'/></filesystem>" "$target"
  done
  printf "</devices></domain>"; } > "$hostile/errors-everywhere.xml"
corralctl=$(swift build -c release --show-bin-path)/corralctl
swift build -c release --product corralctl >/dev/null
for file in "$hostile"/*.xml; do
    start=$(date +%s%N)
    if "$corralctl" validate "$file" 2>"$hostile/error"; then echo "bench-parse: $(basename "$file") was accepted!" >&2; exit 1; fi
    end=$(date +%s%N)
    printf 'hostile %-20s refused in %4d ms: %s\n' "$(basename "$file")" $(( (end - start) / 1000000 )) "$(head -c 110 "$hostile/error" | sed "s|$hostile/||")"
done
