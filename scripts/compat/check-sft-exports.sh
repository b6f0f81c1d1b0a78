#!/bin/sh
# Exports an SFT set for each trainer with `pipeline sft export` and loads it with the trainers' own code
# (check_sft_<trainer>.py), comparing ids and loss masks with `pipeline sft render`. LLaMA-Factory and llm-foundry are
# checked on the text export (re-tokenized by the trainer) and on the --tokenized one (our ids and labels loaded as they
# are: LLaMA-Factory's tokenized_path, llm-foundry's pre-tokenized MDS turns).
#
# usage: scripts/compat/check-sft-exports.sh PIPELINE PYTHON [TRAINER...]
#   PIPELINE: the pipeline binary; PYTHON: an interpreter with the trainer installed (see each check script);
#   TRAINER: trl llamafactory axolotl torchtune llmfoundry (default: all). Input: the FastChat dummy conversations and the
#   LLaMA-Factory alpaca demo from ../shared/data (skipped when absent) plus corpora/sft/messages-medical.jsonl, with
#   weight 0 put on the first assistant turn of every second multi-turn conversation.
set -eu
PIPELINE=$1; PY=$2; shift 2
TRAINERS=${*:-trl llamafactory axolotl torchtune llmfoundry}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOK=$ROOT/pipelines/tokenizers/medical-sample-bpe.json
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
set -- "$ROOT/corpora/sft/messages-medical.jsonl"
for f in "$ROOT/../shared/data/sft-general/fastchat/data/dummy_conversation.json" \
         "$ROOT/../shared/data/sft-general/llama-factory-demos/data/alpaca_en_demo.json"; do
  if [ -f "$f" ]; then set -- "$@" "$f"; else echo "skipping absent $f"; fi
done
"$PIPELINE" sft validate "$@" --fix -o "$W/canon.jsonl" --max-error-rate 1 > "$W/validate.txt"
tail -n 3 "$W/validate.txt"
python3 - "$W/canon.jsonl" "$W/input.jsonl" <<'PY'
import json, sys
n = z = 0
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as o:
    for line in f:
        r = json.loads(line)
        turns = [m for m in r["messages"] if m["role"] == "assistant"]
        if len(turns) > 1:
            n += 1
            if n % 2 == 0:
                turns[0]["weight"] = 0; z += 1
        o.write(json.dumps(r) + "\n")
print(f"{n} multi-turn conversations, {z} with a weight-0 turn")
PY
"$PIPELINE" sft render "$W/input.jsonl" --format canonical --tokenizer "$TOK" -o "$W/shards" --no-dedup > /dev/null
"$PIPELINE" export "$W/shards" --format jsonl -o "$W/reference.jsonl" > /dev/null
rc=0
for t in $TRAINERS; do
  case $t in
    trl) "$PIPELINE" sft export "$W/input.jsonl" --format trl --tokenizer "$TOK" --no-dedup -o "$W/trl" > /dev/null
         "$PY" "$ROOT/scripts/compat/check_sft_trl.py" "$W/trl" "$W/reference.jsonl" "$TOK" || rc=1 ;;
    llamafactory|axolotl|torchtune)
         "$PIPELINE" sft export "$W/input.jsonl" --format "$t" --no-dedup -o "$W/$t" > /dev/null
         if [ "$t" = llamafactory ]; then
           "$PIPELINE" sft export "$W/input.jsonl" --format llamafactory --split-turns --no-dedup -o "$W/lf-split" > /dev/null 2>&1
           "$PIPELINE" sft export "$W/input.jsonl" --format llamafactory --tokenized --tokenizer "$TOK" --no-dedup -o "$W/lf-tokenized" > /dev/null
         fi
         "$PY" "$ROOT/scripts/compat/check_sft_$t.py" "$W/$t" "$W/reference.jsonl" "$TOK" "$W/input.jsonl" || rc=1 ;;
    llmfoundry)  # llm-foundry is not installed: check_sft_llmfoundry.py downloads its wheel (pip download --no-deps)
         "$PIPELINE" sft export "$W/input.jsonl" --format llm-foundry --no-dedup -o "$W/llmfoundry" > /dev/null 2>&1
         "$PIPELINE" sft export "$W/input.jsonl" --format llm-foundry --tokenized --tokenizer "$TOK" --no-dedup -o "$W/llmfoundry-tokenized" > /dev/null
         "$PIPELINE" sft template --template chatml > "$W/chatml.jinja"
         "$PY" "$ROOT/scripts/compat/check_sft_llmfoundry.py" "$W/llmfoundry" "$W/reference.jsonl" "$TOK" "$W/input.jsonl" \
           "$W/chatml.jinja" || rc=1 ;;
    *) echo "unknown trainer $t"; exit 2 ;;
  esac
done
exit $rc
