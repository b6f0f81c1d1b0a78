#!/usr/bin/env python3
"""Loads a `pipeline sft export --format axolotl` folder with axolotl's own chat_template strategy, configured from
the axolotl.yaml we wrote (chat_template, eot_tokens, the datasets block with message_field_training: weight), and
tokenizes every record as axolotl's preprocessing does, without training; compares ids and labels with our render.

usage: check_sft_axolotl.py EXPORT_DIR REFERENCE.jsonl TOKENIZER.json INPUT.jsonl
Needs axolotl's prompt strategies (pip install --no-deps axolotl addict, next to torch and transformers)."""
import json
import os
import sys
import tempfile

import yaml
from axolotl.prompt_strategies.chat_template import StrategyLoader
from axolotl.utils.dict import DictDefault
from transformers import AutoTokenizer

from sft_export_common import Tally, hf_tokenizer_dir, labels_to_mask, reference

export_dir, ref_path, tok_json, input_path = sys.argv[1:5]
want = reference(ref_path)
conf = yaml.safe_load(open(os.path.join(export_dir, "axolotl.yaml"), encoding="utf-8"))
with tempfile.TemporaryDirectory() as tmp:
    tok = AutoTokenizer.from_pretrained(hf_tokenizer_dir(tok_json, os.path.join(tmp, "tok")))
    cfg = DictDefault({"chat_template": conf["chat_template"], "eot_tokens": conf.get("eot_tokens"), "train_on_inputs": False,
                       "sequence_len": 1 << 20, "tokenizer_use_mistral_common": False})
    ds_cfg = conf["datasets"][0]
    strategy = StrategyLoader()(tok, cfg, ds_cfg)
    rows = [json.loads(line) for line in open(ds_cfg["path"], encoding="utf-8")]
    assert len(rows) == len(want), f"{len(rows)} records exported, {len(want)} rendered"
    t = Tally(f"axolotl {__import__('axolotl').__version__} chat_template strategy")
    for i, row in enumerate(rows):
        out = strategy.tokenize_prompt(row)
        t.compare(i, out["input_ids"], labels_to_mask(out["labels"]), *want[i])
    zero = sum(1 for r in rows for m in r["messages"] if m.get("weight", 1) == 0)
    sys.exit(t.report(f" ({zero} weight-0 turns in the export)"))
