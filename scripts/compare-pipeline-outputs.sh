#!/usr/bin/env bash
# Checks that every bundled pipeline (pipelines/*.yaml that `pipeline run` accepts) gives byte-identical outputs with
# two pipeline binaries (for example main before a refactoring and the branch): documents, rejects, errors, dedup
# duplicate lists and shards are compared byte for byte (zstd files after decompression); run statistics, state
# databases and timings are not. A config ending in a `mode: global` dedup stage is finished with
# `pipeline dedup-global`, and the phase its `next:` names is run on that output (a copy of the next config, beside
# it, reads this comparison's output folder instead of its own; the configs that another one names as next are
# compared that way only).
# Usage: scripts/compare-pipeline-outputs.sh REFERENCE_PIPELINE_BINARY [CANDIDATE_PIPELINE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:?usage: scripts/compare-pipeline-outputs.sh REFERENCE_PIPELINE_BINARY [CANDIDATE_PIPELINE_BINARY]}
cand=${2:-.build/debug/pipeline}
ref=$(cd "$(dirname "$ref")" && pwd)/$(basename "$ref")
cand=$(cd "$(dirname "$cand")" && pwd)/$(basename "$cand")
work=$(mktemp -d)
copies=()
trap 'rm -rf "$work"; for c in "${copies[@]}"; do rm -f "$c"; done' EXIT
status=0

# run BINARY CONFIG OUT: the phase, then the global dedup step when the config has one.
run() {
    "$1" run "$2" --output "$3" --no-next >"$3.log" 2>&1 || return 1
    if grep -q 'mode: global' "$2"; then "$1" dedup-global "$3" >>"$3.log" 2>&1 || return 1; fi
}

# compare NAME: the files of ref-NAME and cand-NAME.
compare() {
    local name=$1
    local files
    files=$(cd "$work/ref-$name" && find . -type f \( -path './documents/*' -o -path './rejects/*' -o -path './errors/*' \
        -o -name duplicates.jsonl -o -path './shards/*' \) | sort)
    [ -n "$files" ] || { echo "$name: no outputs to compare"; status=1; return; }
    for f in $files; do
        local a="$work/ref-$name/$f" b="$work/cand-$name/$f"
        if [ ! -f "$b" ]; then echo "$name: $f missing"; status=1; continue; fi
        if [[ "$f" == *.zst ]]; then
            cmp -s <(zstd -dcq "$a") <(zstd -dcq "$b") || { echo "$name: $f differs"; status=1; }
        else
            cmp -s "$a" "$b" || { echo "$name: $f differs"; status=1; }
        fi
    done
    local extra
    extra=$(cd "$work/cand-$name" && find . -type f \( -path './documents/*' -o -path './rejects/*' -o -path './errors/*' \
        -o -name duplicates.jsonl -o -path './shards/*' \) | sort | comm -13 <(echo "$files") -)
    [ -z "$extra" ] || { echo "$name: only in the candidate: $extra"; status=1; }
    echo "$name: $(echo "$files" | wc -l) files compared"
}

nexts=$(sed -n 's/^next:[[:space:]]*\([^[:space:]#]*\).*/\1/p' pipelines/*.yaml)
for config in pipelines/*.yaml; do
    name=$(basename "$config" .yaml)
    if echo "$nexts" | grep -qx "$name.yaml"; then continue; fi
    if ! run "$ref" "$config" "$work/ref-$name"; then
        echo "$name: skipped (the reference binary does not run it: $(head -1 "$work/ref-$name.log"))"
        continue
    fi
    run "$cand" "$config" "$work/cand-$name" || { echo "$name: the candidate failed:"; tail -3 "$work/cand-$name.log"; status=1; continue; }
    compare "$name"
    # The next phase, reading this comparison's output instead of the config's output folder.
    next=$(sed -n 's/^next:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$config")
    [ -n "$next" ] || continue
    nextname=$(basename "$next" .yaml)
    own=$(sed -n '/^output:/,/^[a-z]/s/^[[:space:]]*path:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$config" | head -1)
    copy="pipelines/.compare-$nextname.yaml"
    copies+=("$copy")
    sed "s|$own/documents|$work/phase/documents|" "pipelines/$next" >"$copy"
    for side in ref cand; do
        # The same config text on both sides (the manifests record its hash): the phase folder points at each side.
        ln -sfn "$work/$side-$name" "$work/phase"
        bin=$ref; [ "$side" = cand ] && bin=$cand
        run "$bin" "$copy" "$work/$side-$name-$nextname" || { echo "$name -> $nextname: $side failed"; status=1; }
    done
    compare "$name-$nextname"
done
[ "$status" -eq 0 ] && echo "all pipeline outputs identical" || echo "pipeline outputs DIFFER"
exit "$status"
