"""Shared pieces of the SFT export checks (check_sft_*.py): the reference ids and loss masks, a Hugging Face tokenizer
folder for our tokenizer.json, and the comparison that prints the figures.

The reference is what `pipeline sft render` wrote, read back through `pipeline export --format jsonl` (one line per
record: ids and loss_mask), in input order."""
import json
import os
import sys

# ChatML as a jinja template (the same text as our chatml ChatTemplate: prefix, content, <|im_end|>, newline).
CHATML_JINJA = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def reference(path):
    """[(ids, mask)] from the JSONL of `pipeline export --format jsonl` of an SFT shard folder."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out.append((r["ids"], r["loss_mask"]))
    return out


def hf_tokenizer_dir(tokenizer_json, folder):
    """A folder transformers' AutoTokenizer loads as our tokenizer: tokenizer.json, tokenizer_config.json with
    PreTrainedTokenizerFast (no bos added), <|im_end|> as eos, <|endoftext|> as pad, and the ChatML template, plus a
    config.json naming the model type only."""
    os.makedirs(folder, exist_ok=True)
    with open(tokenizer_json, encoding="utf-8") as f:
        tj = f.read()
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        f.write(tj)
    cfg = {"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
           "bos_token": None, "add_bos_token": False, "model_max_length": 1 << 20, "chat_template": CHATML_JINJA}
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f)
    # Loaders that look for a processor (LLaMA-Factory) want a model type; nothing else reads this config.
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}, f)
    return folder


class Tally:
    """Counts records, id mismatches and mask mismatches; keeps the first few differences to print."""

    def __init__(self, name):
        self.name, self.records, self.id_diff, self.mask_diff, self.examples = name, 0, 0, 0, []

    def compare(self, key, ids, mask, want_ids, want_mask):
        self.records += 1
        if list(ids) != list(want_ids):
            self.id_diff += 1
            self._note(key, "ids", ids, want_ids)
        elif list(mask) != list(want_mask):
            self.mask_diff += 1
            self._note(key, "mask", mask, want_mask)

    def _note(self, key, what, got, want):
        if len(self.examples) < 3:
            k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            self.examples.append(f"  {key}: {what} differ at {k} (lengths {len(got)} / {len(want)}): "
                                 f"got {list(got[max(0, k - 3):k + 4])} want {list(want[max(0, k - 3):k + 4])}")

    def report(self, extra=""):
        print(f"{self.name}: {self.records} records checked, {self.id_diff} with other ids, "
              f"{self.mask_diff} with other masks{extra}")
        for e in self.examples:
            print(e)
        return 0 if self.records > 0 and self.id_diff == 0 and self.mask_diff == 0 else 1


def labels_to_mask(labels):
    return [0 if x == -100 else 1 for x in labels]


def die(msg):
    print(msg, file=sys.stderr)
    sys.exit(2)
