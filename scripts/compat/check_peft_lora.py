#!/usr/bin/env python3
"""Compare a domainforge LoRA adapter with Hugging Face PEFT.

Loads BASE_DIR (model.safetensors + config.json) with transformers.LlamaForCausalLM on CPU in float32, applies
ADAPTER_DIR (adapter_config.json + adapter_model.safetensors) with peft.PeftModel.from_pretrained, runs it on the
token ids in TOKENS.json and compares the logits with the ones the Swift trainer wrote there. Also checks that the
adapter file has exactly the tensor names and shapes that PEFT itself saves for the same LoraConfig, and that every
one of them was loaded.

TOKENS.json: {"input_ids": [[id, ...], ...], "logits": [[[float x vocab] x T] x B]}
Prints one JSON line {"max_abs_diff": ..., ...}; exit status 1 when above --tol (default 1e-4) or on a key mismatch.
Usage: check_peft_lora.py BASE_DIR ADAPTER_DIR TOKENS.json [--tol 1e-4]
"""
import argparse
import json
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from peft.utils import get_peft_model_state_dict
from safetensors.torch import load_file
from transformers import LlamaForCausalLM


def load_base(path):
    try:  # transformers >= 4.56 calls it dtype; older versions torch_dtype
        return LlamaForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    except TypeError:
        return LlamaForCausalLM.from_pretrained(path, torch_dtype=torch.float32, attn_implementation="eager")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("adapter")
    ap.add_argument("tokens")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    with open(a.tokens) as f:
        data = json.load(f)
    ours_sd = load_file(a.adapter + "/adapter_model.safetensors")

    # the names and shapes PEFT saves for this LoraConfig
    cfg = LoraConfig.from_pretrained(a.adapter)
    fresh = get_peft_model(load_base(a.base), cfg)
    expected = {k: tuple(v.shape) for k, v in get_peft_model_state_dict(fresh).items()}
    got = {k: tuple(v.shape) for k, v in ours_sd.items()}
    if expected != got:
        print(json.dumps({"error": "adapter keys differ from PEFT's",
                          "missing": sorted(set(expected) - set(got)), "unexpected": sorted(set(got) - set(expected)),
                          "shape_mismatch": sorted(k for k in set(got) & set(expected) if got[k] != expected[k])}))
        return 1

    model = PeftModel.from_pretrained(load_base(a.base), a.adapter)
    model.eval()
    loaded = get_peft_model_state_dict(model)
    not_loaded = [k for k, v in ours_sd.items() if not torch.equal(loaded[k].float(), v.float())]
    if not_loaded:
        print(json.dumps({"error": "tensors not loaded as written", "names": not_loaded[:5]}))
        return 1
    ids = torch.tensor(data["input_ids"], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
        with model.disable_adapter():
            plain = model(input_ids=ids).logits.float()
    ours = torch.tensor(data["logits"], dtype=torch.float32)
    if ours.shape != logits.shape:
        print(json.dumps({"error": f"shape {list(ours.shape)} vs PEFT {list(logits.shape)}"}))
        return 1
    diff = (ours - logits).abs().max().item()
    out = {"max_abs_diff": diff, "max_abs_logit": logits.abs().max().item(),
           "adapter_effect": (logits - plain).abs().max().item(), "tensors": len(ours_sd),
           "tokens": int(ids.numel()), "vocab": int(logits.shape[-1])}
    print(json.dumps(out))
    return 0 if diff <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
