#!/usr/bin/env python3
"""What the language_id stage says about languages its model was not trained on (not run in CI).

Reads translated man pages of languages outside the model (Debian's manpages-l10n packages, and the Korean pages
installed under /usr/share/man/ko when present), keeps prose paragraphs as scripts/langid_prepare.py does (dropping
paragraphs that also occur in the English pages, which are untranslated strings), and prints per language how many
paragraphs come out as the right code, as `und`, or as one of the model's languages, and how many of the wrong ones
would still pass `min_score: 0.5`. The packages are downloaded by you and never committed:
    mkdir debs && cd debs && apt-get download manpages manpages-el manpages-uk manpages-da manpages-fi manpages-hu \\
        manpages-id manpages-ro manpages-sv manpages-nb manpages-mk manpages-vi manpages-tr
Usage: scripts/langid_openset.py DEBS_DIR PIPELINE_BINARY [--per-language N]"""
import argparse, collections, glob, os, random, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib
prepare = importlib.import_module("langid_prepare")

LOCALES = {"el": "el", "uk": "uk", "da": "da", "fi": "fi", "hu": "hu", "id": "id", "ro": "ro", "sv": "sv",
           "nb": "nb", "mk": "mk", "vi": "vi", "tr": "tr", "ko": "ko"}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("debs")
    ap.add_argument("pipeline")
    ap.add_argument("--per-language", type=int, default=300)
    a = ap.parse_args()
    root = tempfile.mkdtemp()
    for deb in sorted(glob.glob(os.path.join(a.debs, "*.deb"))):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    english = {p for _, paras in prepare.pages(root, None) for p in paras}
    rows = []
    for locale, label in LOCALES.items():
        roots = [r for r in (root, "/") if os.path.isdir(os.path.join(r, "usr/share/man", locale))]
        if not roots:
            continue
        paras = sorted({p for _, ps in prepare.pages(roots[0], locale) for p in ps if prepare.useful(p) and p not in english})
        random.Random(0).shuffle(paras)
        paras = paras[:a.per_language]
        if not paras:
            continue
        out = subprocess.run([a.pipeline, "langid", "detect", "-"], input="\n".join(paras) + "\n", capture_output=True,
                             text=True, check=True).stdout.splitlines()
        labels = [l.split("\t") for l in out]
        right = sum(1 for l, _ in labels if l.split("-")[0] == label)
        und = sum(1 for l, _ in labels if l == "und")
        wrong = [(l, float(s)) for l, s in labels if l.split("-")[0] != label and l != "und"]
        passing = sum(1 for _, s in wrong if s >= 0.5)
        top = ", ".join(f"{l} {c}" for l, c in collections.Counter(l for l, _ in wrong).most_common(3))
        rows.append((label, len(paras), right, und, len(wrong), passing, top))
    print("| language | n | right code | und | another language | of those, score >= 0.5 | most common wrong labels |")
    print("|---|---|---|---|---|---|---|")
    for label, n, right, und, wrong, passing, top in rows:
        print(f"| {label} | {n} | {right} | {und} | {wrong} | {passing} | {top} |")


if __name__ == "__main__":
    main()
