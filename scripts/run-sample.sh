#!/usr/bin/env bash
# Sets up and runs the main job on the bundled sample: installs the system libraries, builds the release binary,
# cleans corpora/ (HTML, XML, text, JSONL, JSON) and tokenizes it into zstd MDS shards, then shows the accounting,
# the shard statistics and the verification, then trains and evaluates a tiny model (full and LoRA). Outputs go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product pipeline
bin=.build/release/pipeline
$bin validate pipelines/*.yaml   # pipeline configs; mixes/ and templates/ hold mix and chat-template files
$bin run pipelines/medical-sample.yaml
$bin run pipelines/zh-sample.yaml      # Chinese sample: ICU-segmented words, FineWeb-2 cmn_Hani rules, per-language dedup
$bin run pipelines/medical-dedup.yaml
$bin dedup-report out/medical-dedup
$bin run pipelines/medical-dedup-global.yaml   # global MinHash clusters, keep the longest
$bin dedup-report out/medical-dedup-global --pairs 3
$bin run pipelines/medical-cpt-shards.yaml
$bin stats out/medical-cpt/shards --tokenizer pipelines/tokenizers/medical-sample-bpe.json --plot out/medical-cpt/lengths.svg
$bin verify out/medical-cpt/shards
$bin sft validate corpora/sft --tokenizer pipelines/tokenizers/medical-sample-bpe.json --max-tokens 1024 --max-error-rate 1 --show 3
$bin mix pipelines/mixes/mix-sft-sample.yaml
$bin train pipelines/train/train-medical-tiny.yaml --overwrite   # a rerun of this script trains again
$bin train pipelines/train/train-medical-tiny-lora.yaml --overwrite   # LoRA adapters on it, saved in the PEFT layout
$bin eval out/train-medical-tiny domain=out/medical-cpt/shards
$bin eval out/train-medical-tiny-lora domain=out/medical-cpt/shards
$bin generate out/train-medical-tiny --tokenizer pipelines/tokenizers/medical-sample-bpe.json --prompt "Blood pressure" --max-new-tokens 24
echo "clean documents: out/medical-sample/documents/   shards: out/medical-cpt/shards/   model: out/train-medical-tiny/"
echo "the forgetting lab (about 2 minutes more): $bin lab pipelines/forgetting-lab.yaml"
