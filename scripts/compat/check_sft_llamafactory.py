#!/usr/bin/env python3
"""Loads `pipeline sft export --format llamafactory` folders with LLaMA-Factory's own dataset code (get_dataset with
the chatml template: the sharegpt converter, then the supervised tokenization), without training, and compares the
ids and trained positions of every record with our render.

usage: check_sft_llamafactory.py EXPORT_DIR REFERENCE.jsonl TOKENIZER.json INPUT.jsonl [SPLIT_EXPORT_DIR [TOKENIZED_DIR]]
  REFERENCE.jsonl: `pipeline export --format jsonl` of the `pipeline sft render` shards of INPUT.jsonl.
  SPLIT_EXPORT_DIR: the same input exported with --split-turns (read with mask_history: true); default: the
  sibling folder lf-split when it exists.
  TOKENIZED_DIR: the same input exported with --tokenized, read through its llamafactory.yaml's tokenized_path
  (LLaMA-Factory loads our ids and labels with load_from_disk); default: the sibling folder lf-tokenized.
Needs llamafactory (pip install --no-deps llamafactory peft omegaconf torchaudio; DISABLE_VERSION_CHECK=1 when its
pins disagree with the installed transformers/trl).

Known difference, reported separately: LLaMA-Factory's chatml assistant format is `{{content}}<|im_end|>\\n`, so it
also trains the newline after each <|im_end|>; ours leaves that separator untrained."""
import json
import os
import sys
import tempfile

os.environ.setdefault("DISABLE_VERSION_CHECK", "1")
from llamafactory.data import get_dataset, get_template_and_fix_tokenizer  # noqa: E402
from llamafactory.hparams import get_train_args  # noqa: E402
from llamafactory.model import load_tokenizer  # noqa: E402

from sft_export_common import Tally, hf_tokenizer_dir, labels_to_mask, reference  # noqa: E402

export_dir, ref_path, tok_json, input_path = sys.argv[1:5]
split_dir = sys.argv[5] if len(sys.argv) > 5 else os.path.join(os.path.dirname(export_dir.rstrip("/")), "lf-split")
tok_dir = sys.argv[6] if len(sys.argv) > 6 else os.path.join(os.path.dirname(export_dir.rstrip("/")), "lf-tokenized")
want = reference(ref_path)
records = [json.loads(line) for line in open(input_path, encoding="utf-8")]
zero = [any(m["role"] == "assistant" and m.get("weight", 1) == 0 for m in r["messages"]) for r in records]
trained_turns = [sum(1 for m in r["messages"] if m["role"] == "assistant" and m.get("weight", 1) != 0) for r in records]


def load(folder, tmp, mask_history, tokenized_path=None):
    args = dict(tokenized_path=tokenized_path,stage="sft", model_name_or_path=os.path.join(tmp, "tok"), do_train=True, dataset="domainforge_sft",
                dataset_dir=folder, template="chatml", cutoff_len=1 << 20, output_dir=os.path.join(tmp, "out"),
                overwrite_cache=True, report_to="none", finetuning_type="full", mask_history=mask_history,
                preprocessing_num_workers=1)
    model_args, data_args, training_args, _, _ = get_train_args(args)
    tm = load_tokenizer(model_args)
    template = get_template_and_fix_tokenizer(tm["tokenizer"], data_args)
    ds = get_dataset(template, model_args, data_args, training_args, stage="sft", **tm)["train_dataset"]
    return tm["tokenizer"], [(r["input_ids"], labels_to_mask(r["labels"])) for r in ds]


def with_newline(ids, mask, im_end, nl):
    """Our mask plus the newline after each trained <|im_end|> (LLaMA-Factory's chatml trains it)."""
    m = list(mask)
    for k in range(len(ids) - 1):
        if mask[k] == 1 and ids[k] == im_end and ids[k + 1] == nl:
            m[k + 1] = 1
    return m


with tempfile.TemporaryDirectory() as tmp:
    hf_tokenizer_dir(tok_json, os.path.join(tmp, "tok"))
    tok, got = load(export_dir, tmp, False)
    im_end, nl = tok.convert_tokens_to_ids("<|im_end|>"), tok("\n", add_special_tokens=False)["input_ids"][0]
    assert len(got) == len(want), f"LLaMA-Factory kept {len(got)} records of {len(want)}"
    exact = Tally(f"LLaMA-Factory {__import__('llamafactory').__version__} (exact masks)")
    plain, weighted = Tally("LLaMA-Factory, records without weight-0 turns, newline after <|im_end|> counted as trained"), 0
    for i, ((ids, mask), (wids, wmask)) in enumerate(zip(got, want)):
        exact.compare(i, ids, mask, wids, wmask)
        if zero[i]:
            weighted += int(mask != with_newline(wids, wmask, im_end, nl))
        else:
            plain.compare(i, ids, mask, wids, with_newline(wids, wmask, im_end, nl))
    exact.report()
    rc = plain.report()
    print(f"  records with a weight-0 turn: {sum(zero)}, of which LLaMA-Factory trains more than we do: {weighted} (as warned)")
    if os.path.isdir(split_dir):
        _, parts = load(split_dir, tmp, True)
        split = Tally("LLaMA-Factory --split-turns with mask_history: true, newline after <|im_end|> counted as trained")
        k = 0
        for i, (wids, wmask) in enumerate(want):
            n = trained_turns[i]
            if n == 0:
                continue
            mine = parts[k:k + n]
            k += n
            ids = mine[-1][0]
            union = [0] * len(ids)
            for pids, pmask in mine:
                assert pids == ids[:len(pids)], f"record {i}: a split record is not a prefix of the last one"
                union = [u | (pmask[p] if p < len(pmask) else 0) for p, u in enumerate(union)]
            full = with_newline(wids, wmask, im_end, nl)
            if len(ids) < len(wids) and wids[:len(ids)] == ids and not any(full[len(ids):]):
                wids, full = wids[:len(ids)], full[:len(ids)]  # untrained turns after the last trained one are left out
            split.compare(i, ids, union, wids, full)
        print(f"  {len(parts)} split records for {split.records} conversations")
        rc |= split.report()
    if os.path.isdir(tok_dir):
        import yaml
        cfg = yaml.safe_load(open(os.path.join(tok_dir, "llamafactory.yaml"), encoding="utf-8"))
        _, rows = load(tok_dir, tmp, False, cfg["tokenized_path"])
        assert len(rows) == len(want), f"LLaMA-Factory loaded {len(rows)} tokenized records of {len(want)}"
        tally = Tally("LLaMA-Factory --tokenized (tokenized_path: load_from_disk, exact masks, weight-0 turns included)")
        for i, ((ids, mask), (wids, wmask)) in enumerate(zip(rows, want)):
            tally.compare(i, ids, mask, wids, wmask)
        rc |= tally.report()
sys.exit(rc)
