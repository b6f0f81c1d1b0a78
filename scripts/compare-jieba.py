#!/usr/bin/env python3
"""Compares the ICU word segmentation used by the cleaning rules with jieba's (pip install jieba) on Chinese text;
not run in CI. Reports word-boundary precision, recall and F1 of ICU against jieba, and exact word agreement.

Usage: scripts/compare-jieba.py BENCH_BINARY FILE...   (BENCH_BINARY: .build/release/bench or .build/debug/bench;
FILEs: UTF-8 Chinese text, e.g. corpora/zh/text/*.txt, or prose from Debian's fortunes-zh)"""
import subprocess, sys, tempfile

import jieba


def boundaries(words):
    """Character offsets of the ends of the words, counting word characters only."""
    out, pos = set(), 0
    for w in words:
        pos += len(w)
        out.add(pos)
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    lines = []
    for path in sys.argv[2:]:
        lines += [l for l in open(path, encoding="utf-8").read().splitlines() if l.strip()]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    icu_out = subprocess.run([sys.argv[1], "segment", f.name], capture_output=True, text=True, check=True).stdout.splitlines()
    tp = fp = fn = same = icu_total = jieba_total = 0
    for line, icu_line in zip(lines, icu_out):
        icu = icu_line.split()
        # jieba keeps punctuation and spaces as tokens: keep the tokens with a letter or digit, as ICU's words.
        jb = [w for w in jieba.lcut(line) if any(c.isalnum() for c in w)]
        if "".join(icu) != "".join(jb):
            # Different character coverage (e.g. symbols inside words): compare on the characters both keep.
            keep = set("".join(icu)) & set("".join(jb))
            icu = ["".join(c for c in w if c in keep) for w in icu]
            jb = ["".join(c for c in w if c in keep) for w in jb]
            icu, jb = [w for w in icu if w], [w for w in jb if w]
        bi, bj = boundaries(icu), boundaries(jb)
        tp += len(bi & bj); fp += len(bi - bj); fn += len(bj - bi)
        same += len(set(enumerate_words(icu)) & set(enumerate_words(jb)))
        icu_total += len(icu); jieba_total += len(jb)
    p = tp / max(1, tp + fp); r = tp / max(1, tp + fn)
    print(f"lines: {len(lines)}  ICU words: {icu_total}  jieba words: {jieba_total}")
    print(f"boundary precision {p:.3f}  recall {r:.3f}  F1 {2 * p * r / max(1e-9, p + r):.3f}")
    print(f"identical words (same span): {same / max(1, jieba_total):.3f} of jieba's, {same / max(1, icu_total):.3f} of ICU's")


def enumerate_words(words):
    pos = 0
    for w in words:
        yield (pos, w)
        pos += len(w)


if __name__ == "__main__":
    main()
