#!/usr/bin/env python3
"""Measures the Chinese cleaning rules on a small labelled set (not run in CI).

Clean set: the paragraphs of corpora/zh (UTF-8 files) plus Chinese prose from Debian's fortunes-zh (the `chinese`
fortune file; wrapped lines of a paragraph are joined, as an extractor would) and manpages-zh (DESCRIPTION text with
the troff macros stripped), which you download yourself and never commit:
    apt-get download fortunes-zh manpages-zh && for f in *.deb; do dpkg-deb -x "$f" debs; done
Junk set, made from the clean texts with a fixed seed: shuffled characters, one line repeated, lists of short link
labels, mojibake (UTF-8 read as GBK and as Latin-1) and fragments.
Runs the cleaning stages of pipelines/zh-sample.yaml (without dedup) and prints kept/dropped per label and the
drop reasons. Usage: scripts/zh-quality-eval.py PIPELINE_BINARY DEBS_DIR [--show]"""
import glob, gzip, json, os, random, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAN = re.compile(r"[\u4e00-\u9fff]")


def han_share(t):
    letters = [c for c in t if c.isalpha()]
    return sum(1 for c in letters if HAN.match(c)) / max(1, len(letters))


def own_corpus():
    docs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "corpora/zh/text/*.txt"))):
        if "gb18030" in path:
            continue
        docs.append(open(path, encoding="utf-8").read())
    for line in open(os.path.join(ROOT, "corpora/zh/jsonl/articles.jsonl"), encoding="utf-8"):
        docs.append(json.loads(line)["text"])
    html = open(os.path.join(ROOT, "corpora/zh/html/asthma-children.html"), encoding="utf-8").read()
    docs.append("\n\n".join(re.findall(r"<p>(.*?)</p>", html)))
    return docs


# Entries from this index on are Classical Chinese (菜根谭, 道德经, 论语, 詩經, ...): FineWeb-2 treats it as another
# language (lzh_Hani), so they are measured apart ("classical"), not as modern prose.
CLASSICAL_FROM = 696


def fortunes(debs, classical=False):
    out = []
    path = os.path.join(debs, "usr/share/games/fortunes/chinese.u8")
    for index, entry in enumerate(open(path, encoding="utf-8").read().split("\n%\n")):
        if (index >= CLASSICAL_FROM) != classical:
            continue
        entry = re.sub(r"\x1b\[[0-9;]*m", "", entry)
        paras = [p for p in re.split(r"\n\s*\n", entry) if not p.strip().startswith("--")]
        paras = ["".join(l.strip() for l in p.splitlines()) for p in paras]
        paras = [p for p in paras if p]
        # Prose: at least one paragraph, each a sentence (ends in 。！？ or a closing quote), no lists or tables.
        if paras and len(paras[0]) < 20 and not paras[0].endswith(("。", "！", "？")):
            paras = paras[1:]  # a title line
        text = "\n\n".join(paras)
        prose = paras and all(p.endswith(("。", "！", "？", "”", "」")) and not p.startswith(("*", "+", "-", "•")) for p in paras)
        if prose and len(text) >= 120 and han_share(text) >= 0.6 and not re.search(r"[\u2500-\u257f]", text):
            out.append(text)
    return out


def manpages(debs, limit=60):
    out = []
    for path in sorted(glob.glob(os.path.join(debs, "usr/share/man/zh_CN/man1/*.gz"))):
        raw = gzip.open(path).read().decode("utf-8", "replace")
        m = re.search(r"\n\.SH\s+\"?DESCRIPTION[^\n]*\n(.*?)(\n\.SH|\Z)", raw, re.S)
        if not m:
            continue
        paras, cur = [], []
        for line in m.group(1).splitlines():
            if line.startswith((".PP", ".LP", ".P", ".TP", ".IP", ".SS", ".br", ".sp")):
                if cur:
                    paras.append("".join(cur)); cur = []
                continue
            if line.startswith(".\\\"") or line.startswith("'"):
                continue
            line = re.sub(r"^\.(B|I|BR|IR|RB|RI|BI|IB|SM)\s+", "", line)
            if line.startswith("."):
                continue
            line = re.sub(r"\\f[BIRP]|\\-|\\&|\\\(..|\\e", "", line).replace('"', "")
            cur.append(line.strip() if HAN.search(line[:1] or "x") or not cur else " " + line.strip())
        if cur:
            paras.append("".join(cur))
        text = "\n\n".join(p for p in paras if p.strip())
        if len(text) >= 200 and han_share(text) >= 0.6:
            out.append(text[:3000])
        if len(out) >= limit:
            break
    return out


def junk(clean, rng):
    out = []
    labels = ["首页", "新闻", "更多", "下一页", "登录", "注册", "联系我们", "返回", "帮助", "关于", "下载", "论坛", "搜索", "地图"]
    for i, t in enumerate(clean):
        chars = list(t.replace("\n", ""))
        rng.shuffle(chars)
        out.append(("shuffled", "".join(chars)))
        lines = [l for l in t.splitlines() if len(l.strip()) >= 8]
        if lines:
            out.append(("repeated_line", "\n".join([rng.choice(lines)] * rng.randint(8, 30))))
        out.append(("link_list", "\n".join(rng.sample(labels, rng.randint(6, 12)))))
        raw = t.encode("utf-8")
        out.append(("mojibake", raw.decode("gbk", "replace") if i % 2 == 0 else raw.decode("latin-1")))
        start = rng.randint(0, max(0, len(t) - 40))
        out.append(("fragment", t[start:start + rng.randint(8, 40)]))
    return out


def read_lines(directory):
    for p in sorted(glob.glob(f"{directory}/*.jsonl*")):
        data = subprocess.run(["zstd", "-dcq", p], capture_output=True, check=True).stdout if p.endswith(".zst") else open(p, "rb").read()
        yield from data.decode("utf-8").splitlines()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binary, debs = sys.argv[1], sys.argv[2]
    rng = random.Random(20261202)
    clean = [("own", t) for t in own_corpus()] + [("fortunes", t) for t in fortunes(debs)] + [("manpages", t) for t in manpages(debs)]
    classical = [("classical", t) for t in fortunes(debs, classical=True)]
    docs = [{"id": f"clean-{src}-{i}", "text": t} for i, (src, t) in enumerate(clean)]
    docs += [{"id": f"other-{src}-{i}", "text": t} for i, (src, t) in enumerate(classical)]
    docs += [{"id": f"junk-{kind}-{i}", "text": t} for i, (kind, t) in enumerate(junk([t for _, t in clean], rng))]
    work = tempfile.mkdtemp()
    os.makedirs(f"{work}/in")
    with open(f"{work}/in/docs.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    stages = ["normalize", "c4_lines", "length", "gopher_quality", "gopher_repetition", "fineweb"]
    config = {"version": 1, "name": "zh-eval", "inputs": [{"path": f"{work}/in", "format": "jsonl"}],
              "stages": [{"type": s} for s in stages], "output": {"path": f"{work}/out", "write_rejects": True}}
    with open(f"{work}/eval.yaml", "w") as f:
        json.dump(config, f)
    subprocess.run([binary, "run", f"{work}/eval.yaml"], check=True, stdout=subprocess.DEVNULL)
    kept = {json.loads(l)["id"] for l in read_lines(f"{work}/out/documents")}
    reasons = {}
    for l in read_lines(f"{work}/out/rejects"):
        if True:
            r = json.loads(l)
            reasons[r["id"]] = f"{r.get('stage')}:{r.get('reason')}"
    by = {}
    for d in docs:
        label = "-".join(d["id"].split("-")[:2])
        k, n, rs = by.get(label, (0, 0, {}))
        if d["id"] in kept:
            k += 1
        else:
            rs[reasons.get(d["id"], "?")] = rs.get(reasons.get(d["id"], "?"), 0) + 1
        by[label] = (k, n + 1, rs)
    ck = sum(v[0] for l, v in by.items() if l.startswith("clean")); cn = sum(v[1] for l, v in by.items() if l.startswith("clean"))
    jk = sum(v[0] for l, v in by.items() if l.startswith("junk")); jn = sum(v[1] for l, v in by.items() if l.startswith("junk"))
    for label, (k, n, rs) in sorted(by.items()):
        print(f"{label:24} {k:4}/{n:<4} kept   drops: {dict(sorted(rs.items(), key=lambda x: -x[1]))}")
    print(f"clean kept: {ck}/{cn} = {100 * ck / cn:.1f}%   junk dropped: {jn - jk}/{jn} = {100 * (jn - jk) / jn:.1f}%")
    if "--show" in sys.argv:
        for d in docs:
            if (d["id"].startswith("clean") and d["id"] not in kept) or (d["id"].startswith("junk") and d["id"] in kept):
                print(d["id"], reasons.get(d["id"], "kept"), repr(d["text"][:200]))


if __name__ == "__main__":
    main()
