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
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from peft.utils import get_peft_model_state_dict
from safetensors.torch import load_file

from peft_common import arguments, compare_logits, fail, load_base


def main():
    a = arguments()
    ours_sd = load_file(a.adapter + "/adapter_model.safetensors")

    # the names and shapes PEFT saves for this LoraConfig
    cfg = LoraConfig.from_pretrained(a.adapter)
    fresh = get_peft_model(load_base(a.base), cfg)
    expected = {k: tuple(v.shape) for k, v in get_peft_model_state_dict(fresh).items()}
    got = {k: tuple(v.shape) for k, v in ours_sd.items()}
    if expected != got:
        return fail(error="adapter keys differ from PEFT's", missing=sorted(set(expected) - set(got)),
                    unexpected=sorted(set(got) - set(expected)),
                    shape_mismatch=sorted(k for k in set(got) & set(expected) if got[k] != expected[k]))

    model = PeftModel.from_pretrained(load_base(a.base), a.adapter)
    model.eval()
    loaded = get_peft_model_state_dict(model)
    not_loaded = [k for k, v in ours_sd.items() if not torch.equal(loaded[k].float(), v.float())]
    if not_loaded:
        return fail(error="tensors not loaded as written", names=not_loaded[:5])
    return compare_logits(model, a.data, a.tol, tensors=len(ours_sd))


if __name__ == "__main__":
    sys.exit(main())
