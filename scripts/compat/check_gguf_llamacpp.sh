#!/usr/bin/env bash
# Runs a checkpoint exported to GGUF in llama.cpp (through llama-cpp-python, built from its PyPI source) and compares
# its greedy continuation with `pipeline generate`'s, token by token. Not part of the default CI: building
# llama-cpp-python takes long (about 15-30 minutes on 2 cores).
#
# Usage: scripts/compat/check_gguf_llamacpp.sh PIPELINE CKPT_DIR [PROMPT] [TYPE]
#   PIPELINE  the pipeline binary (e.g. .build/release/pipeline)
#   CKPT_DIR  a checkpoint folder with its tokenizer files (e.g. out/train-medical-tiny/checkpoint-000060)
#   TYPE      f32 (default), f16 or q8_0; greedy text can differ with a lossy type
# Environment: VENV (default .llamacpp-venv) is created and llama-cpp-python installed into it when missing.
set -euo pipefail
pipeline=$1; ckpt=$2; prompt=${3:-"The heart"}; type=${4:-f32}
venv=${VENV:-.llamacpp-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check llama-cpp-python
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$pipeline" export "$ckpt" --format gguf --type "$type" -o "$work/model.gguf"
n=24
"$pipeline" generate "$ckpt" --prompt "$prompt" --max-new-tokens $n > "$work/ours.txt"
"$venv/bin/python" - "$work/model.gguf" "$prompt" $n "$work/ours.txt" <<'PY'
import json, sys
from llama_cpp import Llama
path, prompt, n, ours_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
llm = Llama(model_path=path, n_ctx=128, n_threads=1, verbose=False)
toks = llm.tokenize(prompt.encode(), add_bos=False, special=False)
out = []
for t in llm.generate(toks, top_k=1, top_p=1.0, temp=0.0, repeat_penalty=1.0):
    if t == llm.token_eos() or len(out) == n:
        break
    out.append(t)
text = prompt + llm.detokenize(out).decode("utf-8", errors="replace")
ours = open(ours_file).read().rstrip("\n")
print(json.dumps({"prompt_ids": toks, "llama_cpp_ids": out, "llama_cpp": text, "pipeline": ours, "same": text == ours}))
sys.exit(0 if text == ours else 1)
PY
