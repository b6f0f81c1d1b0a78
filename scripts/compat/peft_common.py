"""What check_peft_lora.py and check_peft_prefix.py share: the command line, the base model as transformers loads
it, and the logit comparison of a PEFT model with the logits the Swift trainer wrote.

TOKENS.json: {"input_ids": [[id, ...], ...], "logits": [[[float x vocab] x T] x B]}"""
import argparse
import json

import torch
from transformers import LlamaForCausalLM


def arguments():
    """BASE_DIR ADAPTER_DIR TOKENS.json [--tol 1e-4], with TOKENS.json read; torch on one thread."""
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("adapter")
    ap.add_argument("tokens")
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    with open(a.tokens) as f:
        a.data = json.load(f)
    return a


def load_base(path):
    """The base checkpoint as LlamaForCausalLM on CPU in float32 with eager attention."""
    try:  # transformers >= 4.56 calls it dtype; older versions torch_dtype
        return LlamaForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    except TypeError:
        return LlamaForCausalLM.from_pretrained(path, torch_dtype=torch.float32, attn_implementation="eager")


def fail(**kw):
    """Prints the mismatch as one JSON line; exit status 1."""
    print(json.dumps(kw))
    return 1


def compare_logits(model, data, tol, **extra):
    """Runs `model` (a PeftModel) on the token ids, with and without its adapter, and compares with our logits.
    Prints one JSON line (max_abs_diff, the adapter's effect and `extra`); 0 when within `tol`."""
    ids = torch.tensor(data["input_ids"], dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids).logits.float()
        with model.disable_adapter():
            plain = model(input_ids=ids).logits.float()
    ours = torch.tensor(data["logits"], dtype=torch.float32)
    if ours.shape != logits.shape:
        return fail(error=f"shape {list(ours.shape)} vs PEFT {list(logits.shape)}")
    diff = (ours - logits).abs().max().item()
    print(json.dumps({"max_abs_diff": diff, "max_abs_logit": logits.abs().max().item(),
                      "adapter_effect": (logits - plain).abs().max().item(), **extra,
                      "tokens": int(ids.numel()), "vocab": int(logits.shape[-1])}))
    return 0 if diff <= tol else 1
