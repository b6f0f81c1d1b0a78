#!/usr/bin/env python3
"""Loads a `pipeline sft export --format trl` folder the way TRL's SFTTrainer and the Hugging Face Trainer do, without
training, and compares every record's ids and trained positions with our render.

usage: check_sft_trl.py EXPORT_DIR REFERENCE.jsonl TOKENIZER.json
  REFERENCE.jsonl: `pipeline export --format jsonl` of the `pipeline sft render` shards of the same input.
Needs torch, transformers, datasets and trl. Builds a tiny random Llama model only because SFTTrainer wants one.
Exit 0 when no record differs."""
import os
import sys
import tempfile

import torch
from datasets import load_dataset
from transformers import AutoTokenizer, DataCollatorForSeq2Seq, LlamaConfig, LlamaForCausalLM
from trl import SFTConfig, SFTTrainer

from sft_export_common import Tally, hf_tokenizer_dir, labels_to_mask, reference

export_dir, ref_path, tok_json = sys.argv[1:4]
want = reference(ref_path)
with tempfile.TemporaryDirectory() as tmp:
    tok = AutoTokenizer.from_pretrained(hf_tokenizer_dir(tok_json, os.path.join(tmp, "tok")))
    ds = load_dataset("json", data_files=os.path.join(export_dir, "data.jsonl"), split="train")
    assert len(ds) == len(want), f"{len(ds)} records exported, {len(want)} rendered"

    # Hugging Face Trainer: the labels column as written, padded by DataCollatorForSeq2Seq.
    hf = Tally("HF Trainer (DataCollatorForSeq2Seq)")
    seq2seq = DataCollatorForSeq2Seq(tok, padding=True)
    for i in range(0, len(ds), 16):
        rows = [{"input_ids": r["input_ids"], "labels": r["labels"]} for r in ds.select(range(i, min(i + 16, len(ds))))]
        batch = seq2seq(rows)
        for j, r in enumerate(rows):
            n = len(r["input_ids"])
            hf.compare(i + j, batch["input_ids"][j][:n].tolist(), labels_to_mask(batch["labels"][j][:n].tolist()), *want[i + j])

    # TRL: SFTTrainer prepares the dataset (pre-tokenized: kept as is) and its collator builds the labels.
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                      num_key_value_heads=2, max_position_embeddings=1 << 14)
    args = SFTConfig(output_dir=os.path.join(tmp, "out"), report_to=[], max_length=None, per_device_train_batch_size=8,
                     use_cpu=True, dataset_num_proc=None)
    trainer = SFTTrainer(model=LlamaForCausalLM(cfg), args=args, train_dataset=ds, processing_class=tok)
    prepared = trainer.train_dataset
    trl = Tally(f"TRL {__import__('trl').__version__} SFTTrainer + {type(trainer.data_collator).__name__}")
    for i in range(0, len(prepared), 8):
        rows = [prepared[k] for k in range(i, min(i + 8, len(prepared)))]
        batch = trainer.data_collator(rows)
        for j, r in enumerate(rows):
            n = len(r["input_ids"])
            trl.compare(i + j, batch["input_ids"][j][:n].tolist(), labels_to_mask(batch["labels"][j][:n].tolist()), *want[i + j])
    trained = sum(sum(m) for _, m in want)
    rc = hf.report() | trl.report(f" ({trained} trained tokens in the reference)")
sys.exit(rc)
