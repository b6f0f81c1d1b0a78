#!/usr/bin/env python3
"""Reference NFC / NFKC from Python's unicodedata for the normalization tests.
Prints a header line {"unicode": VERSION}, then one JSON object a line:
  {"cp": N, "nfc": [..], "nfkc": [..]} for every assigned code point whose NFC or NFKC form differs from itself,
  {"unassigned": [[lo, hi], ...]} once: the code points unassigned in this Unicode version (they are skipped),
  {"seq": [..], "nfc": [..], "nfkc": [..]} for seeded random sequences of combining marks, decomposable
  characters and Hangul jamo (the reordering cases).
Usage: unicodedata_normalize.py [SEQUENCES]"""
import json, random, sys, unicodedata

def assigned(cp):
    return unicodedata.category(chr(cp)) != "Cn" and not (0xD800 <= cp < 0xE000)

def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    print(json.dumps({"unicode": unicodedata.unidata_version}))
    gaps, start, interesting = [], None, []
    for cp in range(0x110000):
        if not assigned(cp):
            if start is None: start = cp
            continue
        if start is not None: gaps.append([start, cp - 1]); start = None
        s = chr(cp)
        nfc, nfkc = unicodedata.normalize("NFC", s), unicodedata.normalize("NFKC", s)
        if unicodedata.combining(s) or unicodedata.decomposition(s) or 0x1100 <= cp < 0x1200:
            interesting.append(cp)
        if nfc != s or nfkc != s:
            print(json.dumps({"cp": cp, "nfc": [ord(c) for c in nfc], "nfkc": [ord(c) for c in nfkc]}))
    if start is not None: gaps.append([start, 0x10FFFF])
    print(json.dumps({"unassigned": gaps}))
    rng = random.Random(7)
    pool = interesting + [0x61, 0x41, 0x3B1, 0xAC00]
    for _ in range(count):
        seq = "".join(chr(rng.choice(pool)) for _ in range(rng.randint(2, 6)))
        print(json.dumps({"seq": [ord(c) for c in seq], "nfc": [ord(c) for c in unicodedata.normalize("NFC", seq)],
                          "nfkc": [ord(c) for c in unicodedata.normalize("NFKC", seq)]}))

if __name__ == "__main__":
    main()
