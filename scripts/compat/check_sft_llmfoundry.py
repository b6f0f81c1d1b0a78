#!/usr/bin/env python3
"""Tokenizes a `pipeline sft export --format llm-foundry` folder with llm-foundry's own chat code, without installing
llm-foundry (its finetuning module pulls composer, streaming and more), and compares ids and trained positions with
our render.

usage: check_sft_llmfoundry.py EXPORT_DIR REFERENCE.jsonl TOKENIZER.json INPUT.jsonl TEMPLATE.jinja [WHEEL_DIR]
  The sibling folder llmfoundry-tokenized, when it exists, is the same input exported with --tokenized: its mds/
  is read with llm-foundry's StreamingFinetuningDataset (the class taken from tasks.py with `ast`, on
  mosaicml-streaming's StreamingDataset) and the same collator, with the tokenizer's eos set as its
  llmfoundry.yaml sets it (tokenizer.kwargs.eos_token), and compared exactly with our render followed by that eos
  (trained), which the export writes itself (needs mosaicml-streaming besides).
  TEMPLATE.jinja: our chat template as `pipeline sft template --template chatml` prints it, set as the tokenizer's
  chat_template (llm-foundry renders each turn with tokenizer.apply_chat_template).
  WHEEL_DIR: where `pip download --no-deps llm-foundry` was unpacked (downloaded into a temporary folder when absent).
Needs transformers, jinja2, torch (llm-foundry's collator imports it) and PyYAML.

How llm-foundry is run: its package __init__ files are skipped (empty package modules pointing at the unpacked
folders), so `llmfoundry.utils.exceptions`, `llmfoundry.utils.consts`, `llmfoundry.tokenizers.utils` and
`llmfoundry.data.finetuning.collator` load from the wheel as they are; from `llmfoundry/data/finetuning/tasks.py`,
whose imports are heavy, the chat functions (`_validate_chat_formatted_example`, `_slice_chat_formatted_example`,
`_tokenize_chat_formatted_example`, `tokenize_formatted_example`, ...) are taken with `ast` and executed in a namespace
holding only the names they use. Each record goes through `tokenize_formatted_example` (which validates it and calls
`tokenizer.apply_chat_template` per assistant turn) and then `Seq2SeqFinetuningCollator` configured from our
llmfoundry.yaml (decoder_only_format, target_prompts, target_responses), as llm-foundry's finetuning loader does.

Figures: records whose ids equal ours, records whose trained positions equal ours, and the same once llm-foundry's
two conventions are set aside: the response of a turn is everything the template writes after the generation prompt,
so the newline after `<|im_end|>` is trained; and the collator appends the tokenizer's eos (`<|im_end|>`) when the last
response does not end with it (ours ends with the newline), one extra token per record. Weight-0 turns are trained by
llm-foundry with `target_responses: all` (our export warns)."""
import ast
import json
import os
import subprocess
import sys
import tempfile
import types
import zipfile

import yaml
from transformers import AutoTokenizer

from sft_export_common import Tally, die, hf_tokenizer_dir, reference

TASK_NAMES = ["_get_example_type", "_get_key", "_validate_chat_formatted_example", "_slice_chat_formatted_example",
              "_tokenize_chat_formatted_example", "_tokenize_prompt_response_formatted_example",
              "_tokenize_with_bos_removal", "tokenize_formatted_example", "_ALLOWED_ROLE_KEYS",
              "_ALLOWED_CONTENT_KEYS", "_ALLOWED_ROLES", "_ALLOWED_LAST_MESSAGE_ROLES", "_DEFAULT_CHAT_TEMPLATE",
              "PromptResponseDict", "ChatFormattedDict", "Example", "ExampleType", "TokenizedExample"]


def unpacked_wheel(folder):
    """The folder holding the unpacked llm-foundry wheel (downloaded with pip when not given) and its version."""
    if not os.path.isdir(os.path.join(folder, "llmfoundry")):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "llm-foundry", "-d", folder],
                       check=True)
        wheel = next(f for f in os.listdir(folder) if f.endswith(".whl"))
        zipfile.ZipFile(os.path.join(folder, wheel)).extractall(folder)
    dist = next(f for f in os.listdir(folder) if f.startswith("llm_foundry-") and f.endswith(".dist-info"))
    return folder, dist[len("llm_foundry-"):-len(".dist-info")]


def extract(path, names, ns):
    """Executes the top-level definitions `names` of the Python file `path` in the namespace `ns`."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    keep = []
    for node in tree.body:
        name = getattr(node, "name", None)
        if name is None and isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        if name in names:
            keep.append(node)
    found = {getattr(n, "name", None) or n.targets[0].id for n in keep}
    if found != set(names):
        die(f"not found in {path}: {sorted(set(names) - found)}")
    exec(compile(ast.Module(body=keep, type_ignores=[]), path, "exec"), ns)
    return ns


def streaming_dataset_class(root, tasks_ns):
    """llm-foundry's StreamingFinetuningDataset, on mosaicml-streaming's StreamingDataset."""
    import numpy as np
    import typing
    from streaming import Stream, StreamingDataset
    ns = dict(tasks_ns)
    ns.update({k: getattr(typing, k) for k in ("Sequence", "Callable")}, np=np, os=os, Stream=Stream,
              StreamingDataset=StreamingDataset)
    extract(os.path.join(root, "llmfoundry", "data", "data.py"),
            ["SUPPORTED_MDS_ENCODING_TYPES", "stream_remote_local_validate"], ns)
    return extract(os.path.join(root, "llmfoundry", "data", "finetuning", "tasks.py"),
                   ["StreamingFinetuningDataset"], ns)["StreamingFinetuningDataset"]


def collator(Collator, tok, want, dataset):
    """llm-foundry's collator as our llmfoundry.yaml's train_loader.dataset configures it, long enough for every record."""
    longest = max(len(ids) for ids, _ in want) + 8
    return Collator(tok, max_seq_len=(longest + 7) // 8 * 8, decoder_only_format=dataset["decoder_only_format"],
                    target_prompts=dataset["target_prompts"], target_responses=dataset["target_responses"],
                    pad_to_longest=True)


def check_tokenized(folder, want, tok, root, ns, Collator):
    """Reads a --tokenized export's mds/ as llm-foundry does and compares with our render plus its eos."""
    cfg = yaml.safe_load(open(os.path.join(folder, "llmfoundry.yaml"), encoding="utf-8"))
    d = cfg["train_loader"]["dataset"]
    tok.eos_token = cfg["tokenizer"]["kwargs"]["eos_token"]
    eos = tok.eos_token_id
    longest = max(len(ids) for ids, _ in want) + 8
    ds = streaming_dataset_class(root, ns)(tokenizer=tok, local=d["local"], shuffle=False, batch_size=1,
                                           max_seq_len=longest)
    collate = collator(Collator, tok, want, d)
    tally = Tally(f"llm-foundry --tokenized (StreamingFinetuningDataset + Seq2SeqFinetuningCollator, eos "
                  f"{tok.eos_token!r} = {eos} added by our export), exact")
    if len(ds) != len(want):
        die(f"{len(ds)} samples in mds/, {len(want)} rendered")
    for i, (wids, wmask) in enumerate(want):
        batch = collate([ds[i]])
        n = int(batch["attention_mask"][0].sum())
        ids, labels = batch["input_ids"][0][:n].tolist(), batch["labels"][0][:n].tolist()
        if not (wmask and wmask[-1] == 1 and wids[-1] == eos):
            wids, wmask = wids + [eos], wmask + [1]
        tally.compare(i, ids, [0 if x == -100 else 1 for x in labels], wids, wmask)
        if any(x != -100 and x != t for x, t in zip(labels, ids)):
            die(f"record {i}: a label is not its input id")
    return tally.report()


def load_llmfoundry(root):
    """llm-foundry's chat tokenization functions and its collator class, without its package __init__ files."""
    for pkg in ["llmfoundry", "llmfoundry.utils", "llmfoundry.tokenizers", "llmfoundry.data",
                "llmfoundry.data.finetuning"]:
        m = types.ModuleType(pkg)
        m.__path__ = [os.path.join(root, *pkg.split("."))]
        sys.modules[pkg] = m
    import llmfoundry.utils.exceptions as exc
    from llmfoundry.data.finetuning.collator import Seq2SeqFinetuningCollator
    from llmfoundry.tokenizers.utils import get_date_string
    import typing
    ns = {k: getattr(typing, k) for k in ("Any", "Literal", "Mapping", "Optional", "Union", "cast")}
    ns.update({k: getattr(exc, k) for k in dir(exc) if not k.startswith("__")})
    ns.update(get_date_string=get_date_string, PreTrainedTokenizerBase=object, __name__="llmfoundry_tasks")
    extract(os.path.join(root, "llmfoundry", "data", "finetuning", "tasks.py"), TASK_NAMES, ns)
    return ns["tokenize_formatted_example"], Seq2SeqFinetuningCollator, ns


def trailing_newline_mask(ids, labels, im_end):
    """labels' mask with the token after each trained <|im_end|> untrained (our convention)."""
    mask = [0 if x == -100 else 1 for x in labels]
    for k in range(1, len(ids)):
        if ids[k - 1] == im_end and mask[k - 1] and mask[k]:
            mask[k] = 0
    return mask


def main():
    export_dir, ref_path, tok_json, input_path, template_path = sys.argv[1:6]
    want = reference(ref_path)
    records = [json.loads(line) for line in open(input_path, encoding="utf-8")]
    cfg = yaml.safe_load(open(os.path.join(export_dir, "llmfoundry.yaml"), encoding="utf-8"))["train_loader"]["dataset"]
    rows = [json.loads(line) for line in open(os.path.join(export_dir, "data.jsonl"), encoding="utf-8")]
    if len(rows) != len(want):
        die(f"{len(rows)} records exported, {len(want)} rendered")
    with tempfile.TemporaryDirectory() as tmp:
        root, version = unpacked_wheel(sys.argv[6] if len(sys.argv) > 6 else os.path.join(tmp, "wheel"))
        tokenize, Collator, ns = load_llmfoundry(root)
        tok = AutoTokenizer.from_pretrained(hf_tokenizer_dir(tok_json, os.path.join(tmp, "tok")))
        tok.chat_template = open(template_path, encoding="utf-8").read()
        collate = collator(Collator, tok, want, cfg)
        im_end = tok.convert_tokens_to_ids("<|im_end|>")
        n = id_diff = mask_diff = id_conv = mask_conv = weighted = extra_eos = their_trained = 0
        for i, row in enumerate(rows):
            batch = collate([tokenize(row, tok)])
            length = int(batch["attention_mask"][0].sum())
            ids, labels = batch["input_ids"][0][:length].tolist(), batch["labels"][0][:length].tolist()
            wids, wmask = want[i]
            n += 1
            their_trained += sum(x != -100 for x in labels)
            if ids != wids:
                id_diff += 1
            if [0 if x == -100 else 1 for x in labels] != wmask:
                mask_diff += 1
            if len(ids) == len(wids) + 1 and ids[-1] == im_end and wids[-1] != im_end:
                extra_eos += 1
                ids, labels = ids[:-1], labels[:-1]
            if ids != wids:
                id_conv += 1
                continue
            theirs = trailing_newline_mask(ids, labels, im_end)
            if theirs != wmask:
                # A record with weight-0 turns may only train more than ours, never less.
                zero = any(m.get("weight", 1) == 0 for m in records[i]["messages"])
                if zero and all(t >= w for t, w in zip(theirs, wmask)):
                    weighted += 1
                else:
                    mask_conv += 1
        trained = sum(sum(m) for _, m in want)
        print(f"llm-foundry {version} (tokenize_formatted_example + Seq2SeqFinetuningCollator, target_prompts "
              f"{cfg['target_prompts']}, target_responses {cfg['target_responses']}): {n} records checked, "
              f"{id_diff} with other ids, {mask_diff} with other masks ({their_trained} trained tokens, {trained} in the reference)")
        print(f"  {extra_eos} records with llm-foundry's appended eos; without it {id_conv} with other ids; with the "
              f"newline after <|im_end|> untrained as ours, {mask_conv} with other masks besides {weighted} records "
              f"with weight-0 turns, which llm-foundry trains in addition (as warned)")
        rc = 0 if n and id_conv == 0 and mask_conv == 0 else 1
        tokenized = os.path.join(os.path.dirname(export_dir.rstrip("/")), "llmfoundry-tokenized")
        if os.path.isdir(os.path.join(tokenized, "mds")):
            rc |= check_tokenized(tokenized, want, tok, root, ns, Collator)
    return rc


if __name__ == "__main__":
    sys.exit(main())
