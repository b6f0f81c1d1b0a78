#!/usr/bin/env python3
"""Scores HTML extraction on the documentation development set built by scripts/extraction-dev-set.py.

    scripts/extraction-dev-score.py DIR --pipeline .build/release/pipeline [--split dev|heldout|all]
                                        [--trafilatura] [--show N] [--generator G]

Runs `pipeline extract --format html` on the split's pages (one process, so start-up is a rounding error) and, with
--trafilatura, trafilatura.extract(fast=False, include_comments=False, include_tables=True) on the same pages in
this process (the Python must have trafilatura and lxml). Both are timed in CPU seconds.

Metric (the ScrapingHub benchmark's, re-implemented): word 4-gram shingles (\\w+ tokens, case kept) as multisets;
per page tp/fp/fn; precision = mean per-page precision over pages with output, recall = mean per-page recall;
F1 = 2PR/(P+R) of the two means. Also per generator: pages with empty output, and "boiler" = share of pages where a
line of the page's navigation/footer/sidebar text (gold.json `boilerplate`) appears in the output.
--show N prints the N worst pages of ours (by page F1) with their path.
"""
import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

WORD = re.compile(r"\w+")


def shingles(text):
    t = WORD.findall(text or "")
    return Counter(tuple(t[i:i + 4]) for i in range(max(1, len(t) - 3)) if t[i:i + 4])


def page_counts(gold, pred):
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    return tp, sum(p.values()) - tp, sum(g.values()) - tp


def prf(counts):
    ps = [1.0 if fp == fn == 0 else tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0]
    rs = [1.0 if fp == fn == 0 else tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def boiler_survives(lines, pred):
    words = " " + " ".join(WORD.findall(pred)) + " "
    return any((" " + " ".join(WORD.findall(l)) + " ") in words for l in lines)


def child_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run_ours(pipeline, files, extra):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        c0 = child_cpu()
        subprocess.run([pipeline, "extract", "--format", "html", *extra, *files, "-o", str(out)], check=True,
                       stderr=subprocess.DEVNULL)
        cpu = child_cpu() - c0
        texts = [json.loads(l)["text"] for l in out.read_text(encoding="utf8").splitlines()]
    if len(texts) != len(files):
        sys.exit(f"pipeline wrote {len(texts)} lines for {len(files)} files")
    return texts, cpu


def run_trafilatura(files):
    import trafilatura
    texts = []
    c0 = time.process_time()
    for f in files:
        html = Path(f).read_bytes()
        texts.append(trafilatura.extract(html, fast=False, include_comments=False, include_tables=True,
                                         include_formatting=False) or "")
    return texts, time.process_time() - c0


def report(name, items, texts, cpu):
    by_gen = defaultdict(list)
    for (k, g), t in zip(items, texts):
        by_gen[g["generator"]].append((page_counts(g["articleBody"], t), not WORD.search(t),
                                       boiler_survives(g["boilerplate"], t)))
    print(f"\n{name}: {len(items)} pages, {cpu:.2f} CPU s, {len(items) / max(cpu, 1e-9):.1f} pages/CPU-s")
    print(f"{'generator':12} {'pages':>5} {'P':>6} {'R':>6} {'F1':>6} {'empty':>5} {'boiler':>6}")
    allrows = []
    for gen in sorted(by_gen):
        rows = by_gen[gen]
        allrows += rows
        p, r, f = prf([c for c, _, _ in rows])
        print(f"{gen:12} {len(rows):5} {p:6.3f} {r:6.3f} {f:6.3f} {sum(e for _, e, _ in rows):5} "
              f"{sum(b for _, _, b in rows) / len(rows):6.1%}")
    p, r, f = prf([c for c, _, _ in allrows])
    print(f"{'overall':12} {len(allrows):5} {p:6.3f} {r:6.3f} {f:6.3f} {sum(e for _, e, _ in allrows):5} "
          f"{sum(b for _, _, b in allrows) / len(allrows):6.1%}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--pipeline", required=True)
    ap.add_argument("--split", choices=["dev", "heldout", "all"], default="dev")
    ap.add_argument("--generator")
    ap.add_argument("--trafilatura", action="store_true")
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--extra", default="", help="extra arguments for pipeline extract, space separated")
    a = ap.parse_args()
    gold = json.loads((Path(a.dir) / "gold.json").read_text(encoding="utf8"))
    items = [(k, g) for k, g in sorted(gold.items())
             if (a.split == "all" or g["split"] == a.split) and (not a.generator or g["generator"] == a.generator)]
    files = [str(Path(a.dir) / "unpacked" / g["path"]) for _, g in items]
    texts, cpu = run_ours(a.pipeline, files, a.extra.split())
    report("ours", items, texts, cpu)
    if a.show:
        scored = []
        for (k, g), t in zip(items, texts):
            tp, fp, fn = page_counts(g["articleBody"], t)
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 1.0
            scored.append((2 * p * r / (p + r) if p + r else 0.0, p, r, g["path"]))
        for f, p, r, path in sorted(scored)[:a.show]:
            print(f"  F1 {f:.3f} P {p:.3f} R {r:.3f}  {path}")
    if a.trafilatura:
        t_texts, t_cpu = run_trafilatura(files)
        report("trafilatura", items, t_texts, t_cpu)


if __name__ == "__main__":
    main()
