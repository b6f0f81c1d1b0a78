#!/usr/bin/env python3
"""Measures minhash_dedup on Chinese near-duplicates with ICU words vs character n-grams (not run in CI).

Originals: the modern prose entries of Debian's fortunes-zh and manpages-zh DESCRIPTION sections (as in
scripts/zh-quality-eval.py; download them yourself, never commit them:
    apt-get download fortunes-zh manpages-zh && for f in *.deb; do dpkg-deb -x "$f" debs; done)
and the corpora/zh texts. From each original, with a fixed seed, the script makes:
  - near-duplicates (positives): 3%, 6%, 10% or 15% of the characters edited (spans of 1-4 characters replaced,
    deleted, or other text inserted), or the text re-wrapped at 30-40 characters per line (as man pages and
    e-mail are) with 3% edits;
  - hard negatives: the first half of the original followed by the second half of another text (Jaccard ~ 1/3).
All go through a pipeline with only `minhash_dedup` (default 14 x 8 bands, threshold 0.7) once per setting. A
dropped near-duplicate is a true positive, a dropped hard negative or original a false positive.
Usage: scripts/zh-dedup-eval.py PIPELINE_BINARY DEBS_DIR [SETTING ...]   (SETTING: words, words:N for N-word shingles,
    chars, chars:N for N-character shingles; default: words chars)"""
import importlib.util, json, os, random, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("zhq", os.path.join(ROOT, "scripts/zh-quality-eval.py"))
zhq = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zhq)

LEVELS = [0.03, 0.06, 0.10, 0.15]


def edit(text, level, donor, rng):
    chars = list(text)
    budget = int(len(chars) * level)
    while budget > 0:
        k = min(budget, rng.randint(1, 4))
        i = rng.randrange(max(1, len(chars) - k))
        op = rng.random()
        if op < 0.5:  # replace
            j = rng.randrange(max(1, len(donor) - k))
            chars[i:i + k] = donor[j:j + k]
        elif op < 0.75:  # delete
            del chars[i:i + k]
        else:  # insert
            j = rng.randrange(max(1, len(donor) - k))
            chars[i:i] = donor[j:j + k]
        budget -= k
    return "".join(chars)


def rewrap(text, rng):
    out, line = [], ""
    for c in text.replace("\n", ""):
        line += c
        if len(line) >= rng.randint(30, 40):
            out.append(line); line = ""
    return "\n".join(out + [line])


def build(debs):
    rng = random.Random(20261202)
    originals = zhq.own_corpus() + zhq.fortunes(debs) + zhq.manpages(debs, limit=200)
    seen = set()  # man pages that share one DESCRIPTION are true duplicates: keep the first
    originals = [t for t in originals if len(t) >= 150 and not (t in seen or seen.add(t))]
    docs = [{"id": f"orig-{i}", "text": t} for i, t in enumerate(originals)]
    for i, t in enumerate(originals):
        donor = originals[(i + 7) % len(originals)]
        for level in LEVELS:
            docs.append({"id": f"dup-{int(level * 100):02d}pct-{i}", "text": edit(t, level, donor, rng)})
        docs.append({"id": f"dup-rewrap-{i}", "text": rewrap(edit(t, 0.03, donor, rng), rng)})
        docs.append({"id": f"neg-half-{i}", "text": t[:len(t) // 2] + donor[len(donor) // 2:]})
    return docs


def run(binary, docs, setting, work):
    os.makedirs(f"{work}/in", exist_ok=True)
    with open(f"{work}/in/docs.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    stage = {"type": "minhash_dedup", "cjk_shingle": setting.split(":")[0]}
    if ":" in setting:
        stage["cjk_char_ngram" if setting.startswith("chars") else "ngram"] = int(setting.split(":")[1])
    out = f"{work}/out-{setting.replace(':', '-')}"
    config = {"version": 1, "name": "zh-dedup-eval", "inputs": [{"path": f"{work}/in", "format": "jsonl"}],
              "stages": [stage], "output": {"path": out, "write_rejects": True}}
    with open(f"{work}/eval.yaml", "w") as f:
        json.dump(config, f)
    subprocess.run([binary, "run", f"{work}/eval.yaml"], check=True, stdout=subprocess.DEVNULL)
    return {json.loads(l)["id"] for l in zhq.read_lines(f"{out}/rejects")}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, debs = sys.argv[1], sys.argv[2]
    settings = sys.argv[3:] or ["words", "chars"]
    docs = build(debs)
    work = tempfile.mkdtemp()
    kinds = sorted({d["id"].rsplit("-", 1)[0] for d in docs})
    print(f"{len(docs)} documents: " + ", ".join(f"{k} {sum(d['id'].rsplit('-', 1)[0] == k for d in docs)}" for k in kinds))
    for setting in settings:
        dropped = run(binary, docs, setting, work)
        pos = [d["id"] for d in docs if d["id"].startswith("dup-")]
        tp = sum(1 for i in pos if i in dropped)
        fp = len(dropped) - tp
        per = {k: f"{sum(1 for d in docs if d['id'].rsplit('-', 1)[0] == k and d['id'] in dropped)}" for k in kinds}
        print(f"{setting:8} recall {tp}/{len(pos)} = {tp / len(pos):.3f}  precision {tp}/{len(dropped)} = "
              f"{tp / max(1, len(dropped)):.3f}  false positives {fp}  dropped per kind {per}")


if __name__ == "__main__":
    main()
