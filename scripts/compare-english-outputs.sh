#!/usr/bin/env bash
# Checks that the English sample pipelines give byte-identical outputs with two pipeline binaries (for example the
# last release and a branch under review): documents, rejects, dedup duplicate lists and shards are compared byte
# for byte (zstd files after decompression); run statistics, state databases and timings are not compared.
# Usage: scripts/compare-english-outputs.sh REFERENCE_PIPELINE_BINARY [CANDIDATE_PIPELINE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:?usage: scripts/compare-english-outputs.sh REFERENCE_PIPELINE_BINARY [CANDIDATE_PIPELINE_BINARY]}
cand=${2:-.build/debug/pipeline}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for name in medical-sample medical-dedup medical-cpt-shards; do
    "$ref" run "pipelines/$name.yaml" --output "$work/ref-$name" >/dev/null 2>&1
    "$cand" run "pipelines/$name.yaml" --output "$work/cand-$name" >/dev/null 2>&1
    files=$(cd "$work/ref-$name" && find . -type f \( -path './documents/*' -o -path './rejects/*' -o -path './errors/*' \
        -o -name duplicates.jsonl -o -path './shards/*' \) | sort)
    [ -n "$files" ] || { echo "$name: no outputs to compare"; status=1; continue; }
    for f in $files; do
        a="$work/ref-$name/$f"; b="$work/cand-$name/$f"
        if [ ! -f "$b" ]; then echo "$name: $f missing"; status=1; continue; fi
        if [[ "$f" == *.zst ]]; then
            cmp -s <(zstd -dcq "$a") <(zstd -dcq "$b") || { echo "$name: $f differs"; status=1; }
        else
            cmp -s "$a" "$b" || { echo "$name: $f differs"; status=1; }
        fi
    done
    echo "$name: $(echo "$files" | wc -l) files compared"
done
[ "$status" -eq 0 ] && echo "English outputs identical" || echo "English outputs DIFFER"
exit "$status"
