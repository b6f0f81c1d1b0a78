#!/usr/bin/env python3
"""Pre-tokenizes texts with HF tokenizers' Split pre-tokenizer (its Oniguruma regex engine) for parity tests.
Usage: hf_pretokenize.py REGEX_FILE IN.jsonl OUT.jsonl
REGEX_FILE holds the regex; IN has one {"text": ...} a line; OUT gets a JSON list of the pieces for each line."""
import json, sys
from tokenizers import pre_tokenizers, Regex

def main():
    pattern = open(sys.argv[1], encoding="utf-8").read()
    split = pre_tokenizers.Split(Regex(pattern), behavior="isolated")
    with open(sys.argv[2], encoding="utf-8") as inp, open(sys.argv[3], "w", encoding="utf-8") as out:
        for line in inp:
            pieces = [p for p, _ in split.pre_tokenize_str(json.loads(line)["text"])]
            out.write(json.dumps(pieces, ensure_ascii=True) + "\n")

if __name__ == "__main__":
    main()
