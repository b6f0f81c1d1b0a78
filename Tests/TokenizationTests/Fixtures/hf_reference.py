#!/usr/bin/env python3
"""Reference runner for the Swift tokenizer tests: uses the Hugging Face `tokenizers` package.
  encode TOKENIZER DOCS_JSONL OUT_JSONL   ids of each {"text": ...} line (TOKENIZER: tokenizer.json, or a directory
                                          / vocab.json with merges.txt, loaded like GPT2TokenizerFast)
  encode-bin TOKENIZER DOCS_JSONL OUT_BIN  same, as little-endian uint32: count, ids... per document
  decode TOKENIZER IDS_JSONL OUT_JSONL    text of each {"ids": [...]} line (skip_special_tokens=False)
  train  TEXT_FILE OUT_JSON VOCAB MINFREQ PATTERN(gpt2|cl100k|qwen2, optionally +nfkc) [SPECIAL...]   train like BPETrainer
"""
import json, os, sys
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers, normalizers, Regex

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
CL100K = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = CL100K.replace(r"\p{N}{1,3}", r"\p{N}")

def load(path):
    if os.path.isdir(path) and not os.path.exists(os.path.join(path, "tokenizer.json")):
        path = os.path.join(path, "vocab.json")
    if os.path.isdir(path):
        path = os.path.join(path, "tokenizer.json")
    if os.path.basename(path) == "vocab.json":
        merges = os.path.join(os.path.dirname(path), "merges.txt")
        tok = Tokenizer(models.BPE.from_file(path, merges))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        if tok.token_to_id("<|endoftext|>") is not None:
            tok.add_special_tokens(["<|endoftext|>"])
        return tok
    return Tokenizer.from_file(path)

cmd = sys.argv[1]
if cmd == "encode":
    tok = load(sys.argv[2])
    docs = [json.loads(l)["text"] for l in open(sys.argv[3], encoding="utf-8")]
    with open(sys.argv[4], "w") as f:
        for e in tok.encode_batch(docs):
            f.write(json.dumps(e.ids) + "\n")
elif cmd == "encode-bin":
    import struct
    tok = load(sys.argv[2])
    docs = [json.loads(l)["text"] for l in open(sys.argv[3], encoding="utf-8")]
    with open(sys.argv[4], "wb") as f:
        for k in range(0, len(docs), 1000):
            for e in tok.encode_batch(docs[k:k + 1000]):
                f.write(struct.pack("<I", len(e.ids)))
                f.write(struct.pack("<%dI" % len(e.ids), *e.ids))
elif cmd == "decode":
    tok = load(sys.argv[2])
    rows = [json.loads(l)["ids"] for l in open(sys.argv[3])]
    with open(sys.argv[4], "w", encoding="utf-8") as f:
        for ids in rows:
            f.write(json.dumps({"text": tok.decode(ids, skip_special_tokens=False)}) + "\n")
elif cmd == "train":
    text, out, vocab, minfreq, pattern = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    specials = sys.argv[7:]
    nfkc = pattern.endswith("+nfkc")
    pattern = pattern.replace("+nfkc", "")
    tok = Tokenizer(models.BPE())
    if nfkc:
        tok.normalizer = normalizers.NFKC()
    if pattern == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(CL100K if pattern == "cl100k" else QWEN2), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=vocab, min_frequency=minfreq, show_progress=False, special_tokens=specials,
                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train([text], tr)
    tok.save(out)
else:
    raise SystemExit("unknown command " + cmd)
