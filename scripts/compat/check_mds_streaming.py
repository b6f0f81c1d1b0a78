#!/usr/bin/env python3
"""Reads a domainforge shard folder with MosaicML's own reader (mosaicml-streaming) and compares every sample with
the JSONL of ids that `pipeline export --format jsonl` wrote. Also checks the sha256 hashes in index.json.

usage: check_mds_streaming.py SHARD_DIR EXPECTED.jsonl
Exit 0 and prints "ok N" when every sample matches."""
import json
import sys
import tempfile

from streaming import StreamingDataset

remote, expected = sys.argv[1], sys.argv[2]
want = [json.loads(line) for line in open(expected, encoding="utf-8")]
with tempfile.TemporaryDirectory() as cache:
    ds = StreamingDataset(remote=remote, local=cache, shuffle=False, batch_size=1, validate_hash="sha256")
    got = []
    for s in ds:
        got.append((s["id"], s["tokens"].tolist(), s["tokens"].dtype.name, s.get("source")))
assert len(got) == len(want), f"{len(got)} samples read, {len(want)} expected"
for (gid, gtok, dtype, _src), w in zip(got, want):
    assert gid == w["id"], (gid, w["id"])
    assert gtok == w["ids"], f"tokens differ for {gid}"
print("ok", len(got), got[0][2])
