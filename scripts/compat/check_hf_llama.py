#!/usr/bin/env python3
"""Compare a domainforge Trainer checkpoint with Hugging Face transformers.

Loads CKPT_DIR (model.safetensors + config.json) with transformers.LlamaForCausalLM.from_pretrained on CPU in
float32, runs it on the token ids in TOKENS.json and compares the logits with the ones the Swift trainer wrote there.

TOKENS.json: {"input_ids": [[id, ...], ...], "logits": [[[float x vocab] x T] x B]}   (logits optional)
Prints one JSON line {"max_abs_diff": ..., "tokens": ..., "vocab": ...}; exit status 1 when above --tol (default 1e-4).
Usage: check_hf_llama.py CKPT_DIR TOKENS.json [--tol 1e-4] [--write-logits OUT.json]
"""
import argparse
import json
import sys

import torch
from transformers import LlamaForCausalLM


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("tokens")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--write-logits", help="also write HF's logits to this JSON file")
    a = ap.parse_args()
    torch.set_num_threads(1)
    with open(a.tokens) as f:
        data = json.load(f)
    try:  # transformers >= 4.56 calls it dtype; older versions torch_dtype
        model = LlamaForCausalLM.from_pretrained(a.ckpt, dtype=torch.float32, attn_implementation="eager")
    except TypeError:
        model = LlamaForCausalLM.from_pretrained(a.ckpt, torch_dtype=torch.float32, attn_implementation="eager")
    model.eval()
    ids = torch.tensor(data["input_ids"], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    out = {"tokens": int(ids.numel()), "vocab": int(logits.shape[-1])}
    if a.write_logits:
        with open(a.write_logits, "w") as f:
            json.dump({"input_ids": data["input_ids"], "logits": logits.tolist()}, f)
    if "logits" in data:
        ours = torch.tensor(data["logits"], dtype=torch.float32)
        if ours.shape != logits.shape:
            print(json.dumps({"error": f"shape {list(ours.shape)} vs HF {list(logits.shape)}"}))
            return 1
        diff = (ours - logits).abs().max().item()
        out["max_abs_diff"] = diff
        out["max_abs_logit"] = logits.abs().max().item()
        print(json.dumps(out))
        return 0 if diff <= a.tol else 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
