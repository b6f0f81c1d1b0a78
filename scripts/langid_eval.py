#!/usr/bin/env python3
"""Compares the language_id model with langid.py, lingua and CLD2 on held-out labelled paragraphs.

Usage: python3 scripts/langid_eval.py HELDOUT_DIR [--pipeline PATH] [--model FILE] [--per-language N]
HELDOUT_DIR holds <label>.tsv files (label TAB paragraph) as written by scripts/langid_prepare.py.
Needs `pip install langid lingua-language-detector pycld2`. Not a CI test: it prints a Markdown table.

Fairness: langid.py and lingua are restricted to the model's languages (as the stage is); CLD2 cannot be
restricted, so any other answer counts as wrong. zh-Hant paragraphs count as zh in the comparison; the
zh / zh-Hant script split of our model is reported on its own line.
"""
import argparse, glob, os, random, subprocess, time


def load(heldout, per_language):
    rows = []
    for path in sorted(glob.glob(os.path.join(heldout, "*.tsv"))):
        items = [l.rstrip("\n").split("\t", 1) for l in open(path, encoding="utf-8") if "\t" in l]
        random.Random(0).shuffle(items)
        rows += items[:per_language]
    return rows


def ours(pipeline, model, texts):
    cmd = [pipeline, "langid", "detect", "-"] + (["--model", model] if model else [])
    t0 = time.time()
    out = subprocess.run(cmd, input="\n".join(texts) + "\n", capture_output=True, text=True, check=True).stdout
    return [l.split("\t")[0] for l in out.splitlines()], time.time() - t0


def references(langs, texts):
    import langid
    import pycld2
    from lingua import IsoCode639_1, LanguageDetectorBuilder
    langid.set_languages(langs)
    lingua = LanguageDetectorBuilder.from_iso_codes_639_1(*[IsoCode639_1.from_str(l) for l in langs]).build()
    def cld2(t):
        try:
            code = pycld2.detect(t)[2][0][1]
        except pycld2.error:
            return "und"
        return {"zh-Hant": "zh", "un": "und"}.get(code, code)
    def ling(t):
        r = lingua.detect_language_of(t)
        return r.iso_code_639_1.name.lower() if r else "und"
    out = {}
    for name, fn in [("langid.py", lambda t: langid.classify(t)[0]), ("lingua", ling), ("CLD2", cld2)]:
        t0 = time.time()
        out[name] = ([fn(t) for t in texts], time.time() - t0)
    return out


def table(names, systems, base, langs, rows):
    rows = list(rows)
    print("| language | n | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for lang in langs + ["all"]:
        idx = [i for i in rows if lang in (base[i], "all")]
        cells = [f"{sum(systems[s][0][i] == base[i] for i in idx) / max(len(idx), 1):.3f}" for s in names]
        print(f"| {lang} | {len(idx)} | " + " | ".join(cells) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("heldout")
    ap.add_argument("--pipeline", default=".build/release/pipeline")
    ap.add_argument("--model")
    ap.add_argument("--per-language", type=int, default=1000)
    a = ap.parse_args()
    rows = load(a.heldout, a.per_language)
    gold = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    base = [g.split("-")[0] for g in gold]
    langs = sorted(set(base))
    pred, secs = ours(a.pipeline, a.model, texts)
    systems = {"domainforge": ([p.split("-")[0] for p in pred], secs)}
    systems.update(references(langs, texts))
    names = list(systems)
    table(names, systems, base, langs, range(len(base)))
    mb = sum(len(t.encode()) for t in texts) / 1e6
    print("| seconds (" + f"{mb:.1f} MB) | | " + " | ".join(f"{systems[s][1]:.1f}" for s in names) + " |")
    refs = [n for n in names if n != "domainforge"]
    noisy = {i for i in range(len(base)) if len({systems[r][0][i] for r in refs}) == 1 and systems[refs[0]][0][i] != base[i]}
    print(f"\nWithout the {len(noisy)} paragraphs where all three references agree on another language (probable label noise:"
          " untranslated English, code):\n")
    table(names, systems, base, langs, [i for i in range(len(base)) if i not in noisy])
    zh = [i for i, g in enumerate(gold) if g.startswith("zh")]
    script = sum(pred[i] == gold[i] for i in zh) / max(len(zh), 1)
    print(f"\nzh vs zh-Hant, exact label among the {len(zh)} Chinese paragraphs (ours): {script:.3f}")


if __name__ == "__main__":
    main()
