#!/usr/bin/env python3
"""Python BM25 reference for `pipeline rag eval`: the same chunks, scored by rank-bm25 (PyPI rank-bm25).

Usage: python3 scripts/rag-bm25-reference.py INDEX.sqlite QA.jsonl [-k 5] [--limit 1000]

The chunks and their tokens are read from the index itself (FTS5's fts5vocab 'instance' table, so the documents are
tokenized exactly as FTS5 did); questions are lowercased, diacritics removed, split at non-alphanumerics, distinct
terms kept (FTS5 scores an OR query once per distinct term). Scored with BM25Okapi(k1=1.2, b=0.75), the constants of
FTS5's bm25(). The one difference left: rank-bm25 floors a negative IDF (terms in more than half the chunks) at
0.25 x the mean IDF, FTS5 at 1e-6. Prints recall@k and MRR@k (hit: a chunk of a gold document)."""
import argparse, json, re, sqlite3, time, unicodedata
from collections import defaultdict
from rank_bm25 import BM25Okapi

def terms(q):
    q = unicodedata.normalize("NFKD", q.lower())
    q = "".join(c for c in q if not unicodedata.combining(c))
    seen, out = set(), []
    for t in re.findall(r"[^\W_]+", q):
        if t not in seen:
            seen.add(t); out.append(t)
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("index"); ap.add_argument("qa")
    ap.add_argument("-k", type=int, default=5); ap.add_argument("--limit", type=int, default=1000)
    a = ap.parse_args()
    db = sqlite3.connect(a.index)
    db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, rag_fts, instance)")
    ids = [r[0] for r in db.execute("SELECT id FROM rag_chunks ORDER BY id")]
    doc_of = dict(db.execute("SELECT id, doc FROM rag_chunks"))
    toks = defaultdict(list)
    for term, row, _col, off in db.execute("SELECT term, doc, col, offset FROM temp.v ORDER BY doc, offset"):
        toks[row].append(term)
    t0 = time.time()
    bm = BM25Okapi([toks[i] for i in ids], k1=1.2, b=0.75)
    build = time.time() - t0
    qs = [json.loads(l) for l in open(a.qa) if l.strip()][: a.limit]
    hits, rr, lat = 0, 0.0, []
    for q in qs:
        t = time.time()
        s = bm.get_scores(terms(q["question"]))
        top = sorted(range(len(ids)), key=lambda i: (-s[i], i))[: a.k]
        lat.append(time.time() - t)
        gold = set(q["doc_ids"])
        for r, i in enumerate(top, 1):
            if s[i] > 0 and doc_of[ids[i]] in gold:
                hits += 1; rr += 1 / r; break
    lat.sort()
    print("rank-bm25 over %d chunks (built in %.1f s), %d questions: recall@%d %.4f, MRR@%d %.4f; query p50 %.1f ms"
          % (len(ids), build, len(qs), a.k, hits / len(qs), a.k, rr / len(qs), 1000 * lat[len(lat) // 2]))

main()
