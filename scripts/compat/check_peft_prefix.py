#!/usr/bin/env python3
"""Compare a domainforge prefix-tuning adapter with Hugging Face PEFT (PREFIX_TUNING).

Loads BASE_DIR with transformers.LlamaForCausalLM on CPU in float32, applies ADAPTER_DIR with
peft.PeftModel.from_pretrained, runs it on the token ids in TOKENS.json and compares the logits with the ones the
Swift trainer wrote there. Also checks that adapter_config.json agrees with the config PEFT derives for this base
(token_dim, num_attention_heads under grouped-query attention, num_layers, encoder_hidden_size), that the adapter
file has exactly the tensor names and shapes PEFT saves, and, when the folder holds prefix_encoder.safetensors (the
projection MLP), that PEFT's PrefixEncoder with those weights computes the saved prompt_embeddings.

TOKENS.json: {"input_ids": [[id, ...], ...], "logits": [[[float x vocab] x T] x B]}
Prints one JSON line {"max_abs_diff": ..., ...}; exit status 1 when above --tol (default 1e-4) or on a mismatch.
Usage: check_peft_prefix.py BASE_DIR ADAPTER_DIR TOKENS.json [--tol 1e-4]
"""
import json
import os
import sys

import torch
from peft import PeftModel, PrefixTuningConfig, get_peft_model
from peft.utils import get_peft_model_state_dict
from safetensors.torch import load_file

from peft_common import arguments, compare_logits, fail, load_base


def main():
    a = arguments()
    with open(a.adapter + "/adapter_config.json") as f:
        ours_cfg = json.load(f)
    ours_sd = load_file(a.adapter + "/adapter_model.safetensors")

    # the config and tensors PEFT makes for the same settings on this base
    kw = {"task_type": "CAUSAL_LM", "num_virtual_tokens": ours_cfg["num_virtual_tokens"],
          "prefix_projection": ours_cfg["prefix_projection"]}
    if ours_cfg["prefix_projection"]:
        kw["encoder_hidden_size"] = ours_cfg["encoder_hidden_size"]
    fresh = get_peft_model(load_base(a.base), PrefixTuningConfig(**kw))
    pc = fresh.peft_config["default"]
    for key in ["token_dim", "num_attention_heads", "num_layers", "encoder_hidden_size", "num_transformer_submodules"]:
        if getattr(pc, key) != ours_cfg[key]:
            return fail(error=f"adapter_config {key} {ours_cfg[key]}, PEFT {getattr(pc, key)}")
    expected = {k: tuple(v.shape) for k, v in get_peft_model_state_dict(fresh).items()}
    got = {k: tuple(v.shape) for k, v in ours_sd.items()}
    if expected != got:
        return fail(error="adapter tensors differ from PEFT's", expected=str(expected), got=str(got))

    encoder_diff = None
    mlp = a.adapter + "/prefix_encoder.safetensors"
    if os.path.exists(mlp):
        fresh.prompt_encoder["default"].load_state_dict(load_file(mlp), strict=True)
        with torch.no_grad():
            table = fresh.get_prompt_embedding_to_save("default")
        encoder_diff = (table - ours_sd["prompt_embeddings"]).abs().max().item()
        if encoder_diff > a.tol:
            return fail(error="PEFT's PrefixEncoder gives other prompt_embeddings", max_abs_diff=encoder_diff)

    model = PeftModel.from_pretrained(load_base(a.base), a.adapter)
    model.eval()
    loaded = get_peft_model_state_dict(model)
    if not torch.equal(loaded["prompt_embeddings"].float(), ours_sd["prompt_embeddings"].float()):
        return fail(error="prompt_embeddings not loaded as written")
    return compare_logits(model, a.data, a.tol, encoder_diff=encoder_diff)


if __name__ == "__main__":
    sys.exit(main())
