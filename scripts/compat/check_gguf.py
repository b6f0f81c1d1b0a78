#!/usr/bin/env python3
"""Read a GGUF file written by `pipeline export --format gguf` with the `gguf` package (llama.cpp's gguf-py) and
compare it with the checkpoint folder it came from.

Checks: every tensor of model.safetensors under its llama.cpp name and shape (q_proj/k_proj rows permuted as
llama.cpp's converter permutes them), values exact for f32 and f16 (against numpy's float16 rounding), for q8_0 the
bytes equal to gguf-py's own Q8_0 quantizer and the dequantized values within half a quantization step; the
vocabulary (tokens in id order, token types, merges) against tokenizer.json; bos/eos ids against config.json; the
chat template against tokenizer_config.json; the hyper-parameters against config.json.
Prints one JSON line; exit status 1 on any difference.
Usage: check_gguf.py MODEL.gguf CKPT_DIR
"""
import json
import struct
import sys

import numpy as np
from gguf import GGMLQuantizationType, GGUFReader
from gguf.quants import dequantize, quantize


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(info["shape"])
    return out


def permute(w, heads):
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def gguf_name(hf):
    fixed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    if hf in fixed:
        return fixed[hf]
    parts = hf.split(".")
    rest = ".".join(parts[3:])
    m = {"input_layernorm.weight": "attn_norm", "self_attn.q_proj.weight": "attn_q", "self_attn.k_proj.weight": "attn_k",
         "self_attn.v_proj.weight": "attn_v", "self_attn.o_proj.weight": "attn_output",
         "post_attention_layernorm.weight": "ffn_norm", "mlp.gate_proj.weight": "ffn_gate", "mlp.up_proj.weight": "ffn_up",
         "mlp.down_proj.weight": "ffn_down"}
    return f"blk.{parts[2]}.{m[rest]}.weight"


def field(reader, key):
    f = reader.fields.get(key)
    return None if f is None else f.contents()


def check_tensors(reader, ckpt, cfg, errors):
    ours = read_safetensors(ckpt + "/model.safetensors")
    tensors = {t.name: t for t in reader.tensors}
    worst = {"f32": 0.0, "f16": 0.0, "q8_0": 0.0}
    for name, w in ours.items():
        if name == "lm_head.weight" and cfg.get("tie_word_embeddings"):
            continue
        if name.endswith("q_proj.weight"):
            w = permute(w, cfg["num_attention_heads"])
        elif name.endswith("k_proj.weight"):
            w = permute(w, cfg["num_key_value_heads"])
        t = tensors.pop(gguf_name(name), None)
        if t is None:
            errors.append(f"missing tensor {gguf_name(name)}")
            continue
        if [int(x) for x in t.shape] != list(reversed(w.shape)):
            errors.append(f"{t.name}: shape {list(t.shape)} vs {list(reversed(w.shape))}")
            continue
        kind = t.tensor_type
        got = dequantize(t.data, kind).reshape(w.shape).astype(np.float32)
        if kind == GGMLQuantizationType.F32:
            diff = float(np.abs(got - w).max())
            worst["f32"] = max(worst["f32"], diff)
            if diff != 0:
                errors.append(f"{t.name}: f32 differs by {diff}")
        elif kind == GGMLQuantizationType.F16:
            diff = float(np.abs(got - w.astype(np.float16).astype(np.float32)).max())
            worst["f16"] = max(worst["f16"], float(np.abs(got - w).max()))
            if diff != 0:
                errors.append(f"{t.name}: f16 differs from numpy's rounding by {diff}")
        elif kind == GGMLQuantizationType.Q8_0:
            ref = quantize(w, GGMLQuantizationType.Q8_0)
            if ref.tobytes() != np.asarray(t.data).tobytes():
                errors.append(f"{t.name}: q8_0 bytes differ from gguf-py's quantizer")
            blocks = np.abs(w.reshape(-1, 32)).max(axis=1) / 127
            err = np.abs(got - w).reshape(-1, 32).max(axis=1)
            bound = blocks * 0.5 + blocks * 2.0 ** -10 * 128 + 1e-12  # half a step, plus the f16 rounding of the scale
            worst["q8_0"] = max(worst["q8_0"], float(err.max()))
            if (err > bound).any():
                errors.append(f"{t.name}: q8_0 error {float(err.max())} above half a step")
        else:
            errors.append(f"{t.name}: unexpected type {kind}")
    for extra in tensors:
        errors.append(f"unexpected tensor {extra}")
    return worst


def check_vocab(reader, ckpt, cfg, errors):
    tok = json.load(open(ckpt + "/tokenizer.json"))
    n = cfg["vocab_size"]
    want = ["[PAD%d]" % i for i in range(n)]
    types = [5] * n
    for s, i in tok["model"]["vocab"].items():
        want[i] = s
        types[i] = 1
    for a in tok["added_tokens"]:
        want[a["id"]] = a["content"]
        types[a["id"]] = 3 if a["special"] else 4
    if field(reader, "tokenizer.ggml.tokens") != want:
        errors.append("tokens differ from tokenizer.json")
    if field(reader, "tokenizer.ggml.token_type") != types:
        errors.append("token types differ")
    merges = [" ".join(m) if isinstance(m, list) else m for m in tok["model"]["merges"]]
    if field(reader, "tokenizer.ggml.merges") != merges:
        errors.append("merges differ from tokenizer.json")
    for key, want_id in (("bos", cfg.get("bos_token_id")), ("eos", cfg.get("eos_token_id"))):
        if field(reader, f"tokenizer.ggml.{key}_token_id") != want_id:
            errors.append(f"{key} id {field(reader, f'tokenizer.ggml.{key}_token_id')} vs config.json {want_id}")
    try:
        tc = json.load(open(ckpt + "/tokenizer_config.json"))
        if tc.get("chat_template") != field(reader, "tokenizer.chat_template"):
            errors.append("chat template differs from tokenizer_config.json")
    except FileNotFoundError:
        pass


def main():
    path, ckpt = sys.argv[1], sys.argv[2]
    reader = GGUFReader(path)
    cfg = json.load(open(ckpt + "/config.json"))
    errors = []
    if field(reader, "general.architecture") != "llama":
        errors.append("architecture is not llama")
    hp = {"llama.block_count": "num_hidden_layers", "llama.embedding_length": "hidden_size",
          "llama.feed_forward_length": "intermediate_size", "llama.attention.head_count": "num_attention_heads",
          "llama.attention.head_count_kv": "num_key_value_heads", "llama.context_length": "max_position_embeddings",
          "llama.vocab_size": "vocab_size"}
    for k, c in hp.items():
        if field(reader, k) != cfg[c]:
            errors.append(f"{k} = {field(reader, k)}, config.json {c} = {cfg[c]}")
    worst = check_tensors(reader, ckpt, cfg, errors)
    check_vocab(reader, ckpt, cfg, errors)
    out = {"tensors": len(reader.tensors), "pre": field(reader, "tokenizer.ggml.pre"),
           "max_abs_diff": worst, "errors": errors[:10]}
    print(json.dumps(out))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
