#!/usr/bin/env python3
"""Writes the same manual pages in Chinese and in English as plain text, for a like-for-like cleaning benchmark.

Every zh_CN page of Debian's manpages-zh whose English original is installed (same section and name under
ENGLISH_ROOT, default /usr/share/man) is rendered with groff (UTF-8 in and out, no overstriking, 200-column lines),
the running header and footer lines removed, into OUT/zh/NAME.SECTION.txt and OUT/en/NAME.SECTION.txt.
The texts are derived from packages you download yourself and are never committed:
    apt-get download manpages-zh && dpkg-deb -x manpages-zh_*.deb debs
Then: .build/release/bench clean-zh --zh OUT/zh --en OUT/en
Usage: scripts/manpage-pairs.py DEBS_DIR OUT_DIR [--english-root DIR]"""
import argparse, gzip, os, re, subprocess, sys


def render(path):
    raw = gzip.open(path).read() if path.endswith(".gz") else open(path, "rb").read()
    out = subprocess.run(["groff", "-Kutf8", "-Tutf8", "-mandoc", "-P-cbou", "-rLL=200n"], input=raw,
                         capture_output=True, check=False).stdout.decode("utf-8", "replace")
    lines = out.splitlines()
    # The first and last non-empty lines are the running header ("LS(1) User Commands LS(1)") and footer.
    body = [i for i, l in enumerate(lines) if l.strip()]
    if len(body) >= 2:
        lines = lines[body[0] + 1:body[-1]]
    return "\n".join(l.rstrip() for l in lines).strip() + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("debs")
    ap.add_argument("out")
    ap.add_argument("--english-root", default="/usr/share/man")
    a = ap.parse_args()
    zh_root = os.path.join(a.debs, "usr/share/man/zh_CN")
    if not os.path.isdir(zh_root):
        sys.exit(f"no {zh_root}: unpack manpages-zh into DEBS_DIR first (see --help)")
    for lang in ("zh", "en"):
        os.makedirs(os.path.join(a.out, lang), exist_ok=True)
    pairs = zh_bytes = en_bytes = 0
    for section in sorted(os.listdir(zh_root)):
        for name in sorted(os.listdir(os.path.join(zh_root, section))):
            english = os.path.join(a.english_root, section, name)
            if not os.path.isfile(english):
                continue
            zh, en = render(os.path.join(zh_root, section, name)), render(english)
            if len(zh) < 200 or len(en) < 200 or not re.search(r"[\u4e00-\u9fff]", zh):
                continue
            stem = re.sub(r"\.gz$", "", name)
            for lang, text in (("zh", zh), ("en", en)):
                with open(os.path.join(a.out, lang, stem + ".txt"), "w", encoding="utf-8") as f:
                    f.write(text)
            pairs += 1
            zh_bytes += len(zh.encode())
            en_bytes += len(en.encode())
    print(f"{pairs} page pairs: zh {zh_bytes / 1e6:.2f} MB, en {en_bytes / 1e6:.2f} MB -> {a.out}/zh, {a.out}/en")


if __name__ == "__main__":
    main()
