#!/usr/bin/env python3
"""Render conversations with transformers' apply_chat_template from a tokenizer folder whose tokenizer_config.json
carries our jinja chat template, and compare with what `sft render` (SFTRenderer) produced.

CASES.json: [{"folder": DIR, "messages": [...], "text": str, "ids": [int], "mask": [int]}]
For each case: the rendered string (tokenize=False), the ids and the assistant mask
(tokenize=True, return_dict=True, return_assistant_tokens_mask=True; {% generation %} blocks mark the trained spans).
Prints one JSON line per case {"case", "text_equal", "ids_equal", "mask_equal", "hf_ids", "hf_text"}; exit status 0.
Usage: check_chat_template.py CASES.json
"""
import json
import sys

from transformers import AutoTokenizer


def main():
    cases = json.load(open(sys.argv[1]))
    toks = {}
    for k, c in enumerate(cases):
        tok = toks.setdefault(c["folder"], AutoTokenizer.from_pretrained(c["folder"]))
        text = tok.apply_chat_template(c["messages"], tokenize=False)
        out = tok.apply_chat_template(c["messages"], tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        ids = list(out["input_ids"])
        mask = list(out["assistant_masks"])
        print(json.dumps({"case": k, "text_equal": text == c["text"], "ids_equal": ids == c["ids"],
                          "mask_equal": mask == c["mask"], "hf_ids": ids, "hf_mask": mask, "hf_text": text}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
