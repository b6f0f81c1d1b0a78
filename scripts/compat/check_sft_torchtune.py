#!/usr/bin/env python3
"""Loads a `pipeline sft export --format torchtune` folder with torchtune's own builder, instantiated from the
torchtune.yaml we wrote (chat_dataset, conversation_style openai: OpenAIToMessages then SFTDataset), without
training, and compares ids and trained messages with our render.

usage: check_sft_torchtune.py EXPORT_DIR REFERENCE.jsonl TOKENIZER.json INPUT.jsonl
Needs torchtune (pip install --no-deps torchtune torchao==0.10.0 sentencepiece tiktoken blobfile omegaconf).

torchtune's tokenizers are model-specific (its ChatML one, Qwen2, hard-codes Qwen's vocabulary), so the model
transform here is a ChatML tokenizer over our tokenizer.json written the way torchtune's own ones are: every token
of a message (header, content, <|im_end|>, newline) gets the message's `masked` flag. Figures: records whose ids
equal ours, and messages whose trained/untrained state differs from ours (a message counts as trained by us when
any of its tokens is). torchtune trains weight-0 turns (as our export warns) and, unlike us, the header and the
newline of trained turns."""
import json
import sys

from omegaconf import OmegaConf
from torchtune import config
from torchtune.data import CROSS_ENTROPY_IGNORE_IDX
from tokenizers import Tokenizer

from sft_export_common import die, reference

export_dir, ref_path, tok_json, input_path = sys.argv[1:5]
want = reference(ref_path)
records = [json.loads(line) for line in open(input_path, encoding="utf-8")]


class ChatMLTokenizer:
    """A torchtune ModelTokenizer for ChatML over our tokenizer.json; keeps each message's token span."""

    def __init__(self, path):
        self.tokenizer = Tokenizer.from_file(path)
        self.im_start = self.tokenizer.token_to_id("<|im_start|>")
        self.im_end = self.tokenizer.token_to_id("<|im_end|>")
        self.spans, self.max_seq_len = [], None

    def enc(self, s):
        return self.tokenizer.encode(s, add_special_tokens=False).ids

    def tokenize_messages(self, messages, add_eos=False):
        toks, mask, spans = [], [], []
        for m in messages:
            text = "".join(c["content"] for c in m.content if c["type"] == "text")
            t = [self.im_start] + self.enc(f"{m.role}\n") + self.enc(text) + [self.im_end] + self.enc("\n")
            spans.append((len(toks), len(toks) + len(t)))
            toks += t
            mask += [m.masked] * len(t)
        self.spans.append(spans)
        return toks, mask

    def __call__(self, sample, inference=False):
        sample["tokens"], sample["mask"] = self.tokenize_messages(sample.pop("messages"))
        return sample


tok = ChatMLTokenizer(tok_json)
cfg = OmegaConf.load(f"{export_dir}/torchtune.yaml")
ds = config.instantiate(cfg.dataset, tokenizer=tok)
if len(ds) != len(want):
    die(f"torchtune read {len(ds)} records, {len(want)} rendered")
id_diff = msg_diff = msgs = weighted = 0
for i in range(len(ds)):
    row = ds[i]
    ids, labels = row["tokens"], row["labels"]
    wids, wmask = want[i]
    if list(ids) != list(wids):
        id_diff += 1
        continue
    zero = {k for k, m in enumerate(records[i]["messages"]) if m.get("weight", 1) == 0 and m["role"] == "assistant"}
    for k, (a, b) in enumerate(tok.spans[-1]):
        msgs += 1
        theirs = any(x != CROSS_ENTROPY_IGNORE_IDX for x in labels[a:b])
        ours = any(wmask[a:b])
        if theirs != ours:
            if k in zero:
                weighted += 1
            else:
                msg_diff += 1
print(f"torchtune {__import__('torchtune').__version__} chat_dataset: {len(ds)} records checked, {id_diff} with other ids; "
      f"{msgs} messages, {msg_diff} trained differently from ours apart from weight-0 turns, "
      f"{weighted} weight-0 turns trained (as warned)")
sys.exit(0 if id_diff == 0 and msg_diff == 0 else 1)
