#!/usr/bin/env python3
"""Builds a labelled language-ID corpus from Debian's man pages (English and translated).

Usage:
  mkdir debs && cd debs && apt-get download manpages manpages-dev manpages-de manpages-fr manpages-ja \
      manpages-zh manpages-es manpages-it manpages-pl manpages-ru manpages-pt-br manpages-nl manpages-cs
  python3 scripts/langid_prepare.py DEBS_DIR OUT_DIR

Writes OUT_DIR/train/<label>/<page>.txt (one paragraph a line) and OUT_DIR/heldout/<label>.tsv
(label TAB paragraph). A page goes to the held-out side when a hash of its name falls in the last 10%,
the same name in every language, so a translation of a held-out page is never trained on.
Paragraphs of a translated page that also occur in the English pages (untranslated strings) are dropped,
so the labels name the language the text is really in. `-Hant` labels hold Traditional Chinese (zh_TW).
"""
import hashlib, os, re, subprocess, sys, tempfile, gzip, glob

LOCALES = {  # man page folder -> label
    "de": "de", "fr": "fr", "ja": "ja", "zh_CN": "zh", "zh_TW": "zh-Hant", "es": "es", "it": "it",
    "pl": "pl", "ru": "ru", "pt_BR": "pt", "nl": "nl", "cs": "cs", "ko": "ko",
}
BREAK = {"SH", "SS", "PP", "LP", "P", "TP", "IP", "HP", "sp", "br", "RS", "RE", "EX", "EE", "nf", "fi", "TH", "SY", "YS"}
TEXT_MACROS = {"B", "I", "BR", "RB", "IR", "RI", "BI", "IB", "SM", "SB", "SH", "SS", "IP", "OP", "UR", "MT"}
ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""), (re.compile(r"\\s[-+]?\d"), ""), (re.compile(r"\\\*(\[[^\]]*\]|\(..|.)"), ""),
    (re.compile(r"\\\[[^\]]*\]"), " "), (re.compile(r"\\\(.."), " "), (re.compile(r"\\[&|^%:]"), ""),
    (re.compile(r"\\-"), "-"), (re.compile(r"\\e"), lambda m: "\\"), (re.compile(r"\\ "), " "), (re.compile(r"\\."), ""),
]


def heldout(page):
    return int(hashlib.sha256(page.encode()).hexdigest()[:8], 16) % 10 == 9


def decode(raw):
    for enc in ("utf-8", "euc-jp", "gb18030", "big5"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", "replace")


def strip_inline(s):
    for pattern, repl in ESCAPES:
        s = pattern.sub(repl, s)
    return s


def paragraphs(text):
    out, cur = [], []
    def flush():
        p = " ".join(" ".join(cur).split())
        if p:
            out.append(p)
        cur.clear()
    for line in text.splitlines():
        if line.startswith(('.\\"', "'\\\"", '\\"')) or line.startswith(".so"):
            continue
        if line.startswith((".", "'")):
            parts = line[1:].split(None, 1)
            macro = parts[0] if parts else ""
            if macro in BREAK:
                flush()
            if macro in TEXT_MACROS and len(parts) > 1:
                cur.append(strip_inline(parts[1].replace('"', " ")))
                if macro in ("SH", "SS"):
                    flush()
            continue
        if not line.strip():
            flush()
            continue
        cur.append(strip_inline(line))
    flush()
    return out


def pages(root, locale):
    base = os.path.join(root, "usr/share/man", locale) if locale else os.path.join(root, "usr/share/man")
    for path in glob.glob(os.path.join(base, "man*", "*")):
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
        name = os.path.basename(path).removesuffix(".gz")
        yield name, paragraphs(decode(raw))


def useful(p):
    """Prose, not a command name or identifier: five or more all-letter words, or ten or more CJK characters."""
    words = sum(1 for w in p.split() if w.strip(".,;:!?()\"'«»„“”") .isalpha())
    cjk = sum(1 for ch in p if "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return words >= 5 or cjk >= 10


def main(debs, out):
    root = tempfile.mkdtemp()
    for deb in sorted(glob.glob(os.path.join(debs, "*.deb"))):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    english = {}
    for name, paras in pages(root, None):
        english[name] = paras
    seen_english = {p for paras in english.values() for p in paras}
    corpora = [("en", english.items())]
    for locale, label in LOCALES.items():
        if os.path.isdir(os.path.join(root, "usr/share/man", locale)):
            corpora.append((label, pages(root, locale)))
    os.makedirs(os.path.join(out, "heldout"), exist_ok=True)
    for label, items in corpora:
        tdir = os.path.join(out, "train", label)
        os.makedirs(tdir, exist_ok=True)
        kept = {"train": 0, "heldout": 0}
        with open(os.path.join(out, "heldout", label + ".tsv"), "w") as held:
            for name, paras in items:
                paras = [p for p in paras if useful(p) and (label == "en" or p not in seen_english)]
                if not paras:
                    continue
                if heldout(name):
                    for p in paras:
                        held.write(label + "\t" + p + "\n")
                    kept["heldout"] += len(paras)
                else:
                    with open(os.path.join(tdir, name + ".txt"), "w") as f:
                        f.write("\n".join(paras) + "\n")
                    kept["train"] += len(paras)
        print(label, kept)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
