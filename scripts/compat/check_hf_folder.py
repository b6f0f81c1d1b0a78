#!/usr/bin/env python3
"""Load a domainforge checkpoint folder with transformers' Auto classes alone (no extra file, no argument but the
folder) and compare with what the Swift side wrote in CASES.json.

CASES.json: {"texts": [str], "ids": [[int]] (our tokenizer's ids of each text), "input_ids": [[int]],
"logits": [[[float x vocab] x T] x B], "bos": int, "eos": int, "pad": int}
Checks: AutoTokenizer gives PreTrainedTokenizerFast with our ids for every text (tokenizer(text), special tokens
added as the folder says) and our bos/eos/pad ids; config.json and generation_config.json agree with them;
AutoModelForCausalLM gives our logits within --tol. Prints one JSON line; exit status 1 on any difference.
Usage: check_hf_folder.py CKPT_DIR CASES.json [--tol 1e-4]
"""
import argparse
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("cases")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    data = json.load(open(a.cases))
    errors = []
    tok = AutoTokenizer.from_pretrained(a.ckpt)
    if type(tok).__name__ != "PreTrainedTokenizerFast":
        errors.append(f"AutoTokenizer loaded {type(tok).__name__}")
    wrong = 0
    for text, ids in zip(data["texts"], data["ids"]):
        got = tok(text)["input_ids"]
        if got != ids:
            wrong += 1
            if wrong <= 3:
                errors.append(f"ids of {text[:40]!r}: HF {got[:12]} ours {ids[:12]}")
    for k in ("bos", "eos", "pad"):
        if getattr(tok, f"{k}_token_id") != data[k]:
            errors.append(f"tokenizer {k}_token_id {getattr(tok, f'{k}_token_id')} vs {data[k]}")
    model = AutoModelForCausalLM.from_pretrained(a.ckpt)
    model.eval()
    for k in ("bos", "eos", "pad"):
        if getattr(model.config, f"{k}_token_id") != data[k]:
            errors.append(f"config.json {k}_token_id {getattr(model.config, f'{k}_token_id')} vs {data[k]}")
    gen = GenerationConfig.from_pretrained(a.ckpt)
    eos = gen.eos_token_id if isinstance(gen.eos_token_id, list) else [gen.eos_token_id]
    if eos[0] != data["eos"]:
        errors.append(f"generation_config eos {gen.eos_token_id}")
    if model.config.vocab_size != len(tok):
        errors.append(f"vocab_size {model.config.vocab_size} vs tokenizer {len(tok)}")
    ids = torch.tensor(data["input_ids"], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
    diff = (torch.tensor(data["logits"], dtype=torch.float32) - logits).abs().max().item()
    if diff > a.tol:
        errors.append(f"logits differ by {diff}")
    print(json.dumps({"texts": len(data["texts"]), "wrong_ids": wrong, "max_abs_diff": diff,
                      "tokenizer_class": type(tok).__name__, "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
