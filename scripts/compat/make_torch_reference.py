#!/usr/bin/env python3
"""Write the PyTorch reference that TorchReferenceTests compares the Swift trainer against, without Python at test time.

Builds a small LlamaForCausalLM (transformers, eager attention) with seeded float32 weights, then runs it in float64
on fixed token ids: the float64 results stand for the exact values, and the Swift float32 forward/backward must land
within float32 error bounds of them on any CPU. Writes one safetensors file (all F32):
  model.*              the weights, Hugging Face names (what the Swift test loads)
  reference.input_ids  [B, T] token ids, reference.targets [B, T], reference.weights [B, T] (loss mask, 0 or 1)
  reference.logits     [B, T, V]
  reference.loss       [1]   sum over tokens of weight * cross-entropy
  grad.<name>          d loss / d weight for every weight
Usage: make_torch_reference.py OUT.safetensors
"""
import sys

import torch
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

# Keep in step with TorchReferenceTests.config.
CONFIG = dict(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=64, rope_theta=10000.0, rms_norm_eps=1e-5,
              tie_word_embeddings=False, attention_bias=False, mlp_bias=False)
B, T = 2, 12


def main():
    out = sys.argv[1]
    torch.manual_seed(1234)
    cfg = LlamaConfig(**CONFIG)
    cfg._attn_implementation = "eager"
    model = LlamaForCausalLM(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_(1 + 0.2 * torch.rand_like(p))
            else:
                p.normal_(0, 0.3)
    weights32 = {n: p.detach().clone().float().contiguous() for n, p in model.named_parameters()}
    model = model.double()
    g = torch.Generator().manual_seed(99)
    ids = torch.randint(0, CONFIG["vocab_size"], (B, T), generator=g)
    targets = torch.randint(0, CONFIG["vocab_size"], (B, T), generator=g)
    mask = (torch.arange(B * T).reshape(B, T) % 4 != 1).double()
    logits = model(input_ids=ids).logits
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, CONFIG["vocab_size"]), targets.reshape(-1), reduction="none")
    loss = (ce * mask.reshape(-1)).sum()
    loss.backward()
    tensors = {n: w for n, w in weights32.items()}
    tensors["reference.input_ids"] = ids.float()
    tensors["reference.targets"] = targets.float()
    tensors["reference.weights"] = mask.float()
    tensors["reference.logits"] = logits.detach().float().contiguous()
    tensors["reference.loss"] = loss.detach().float().reshape(1)
    for n, p in model.named_parameters():
        tensors["grad." + n] = p.grad.float().contiguous()
    save_file(tensors, out, metadata={"generator": "scripts/compat/make_torch_reference.py", "torch": torch.__version__})
    print(f"loss {loss.item():.9f}, {len(tensors)} tensors")


if __name__ == "__main__":
    main()
