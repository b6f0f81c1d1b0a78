#!/usr/bin/env python3
"""Lists Swift files over 400 lines and functions over 80 lines (the project's limits), in the folders given
(default: Sources). A function's length runs from its `func`/`init` line to its closing brace, found by brace
counting outside strings and comments (good enough for this code base). Exits 1 when anything is over.
Usage: scripts/size-report.py [DIR...]
"""
import os
import re
import sys

FUNC = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|package|static|class|final|"
                  r"override|mutating|nonmutating|@inlinable|@inline\(__always\)|nonisolated|convenience|required)\s+)*"
                  r"(func\s+[^\s(<]+|init[?!]?\s*[(<]|subscript\s*\(|(?:var|let)\s+\w+\s*:[^=]*\{\s*$)")


def strip(line, in_block):
    """The line without string literals and comments; whether a block comment is still open."""
    out, i = [], 0
    while i < len(line):
        if in_block:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out), True
            i, in_block = j + 2, False
        elif line.startswith("//", i):
            break
        elif line.startswith("/*", i):
            in_block, i = True, i + 2
        elif line[i] == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            i = j + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_block


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    found, stack, in_block, multiline = [], [], False, False
    depth = 0
    for n, raw in enumerate(lines, 1):
        if raw.strip().startswith('"""'):
            multiline = not multiline if raw.strip().count('"""') == 1 else multiline
            continue
        if multiline:
            continue
        code, in_block = strip(raw, in_block)
        m = FUNC.match(raw)
        if m and "{" in code:
            stack.append((depth, n, m.group(1).strip()))
        depth += code.count("{") - code.count("}")
        while stack and depth <= stack[-1][0]:
            d, start, name = stack.pop()
            found.append((name, start, n - start + 1))
    return found, len(lines) - (1 if lines and lines[-1] == "" else 0)


def main():
    dirs = sys.argv[1:] or ["Sources"]
    over = False
    for top in dirs:
        for dirpath, _, files in sorted(os.walk(top)):
            for f in sorted(files):
                if not f.endswith(".swift"):
                    continue
                p = os.path.join(dirpath, f)
                fns, count = functions(p)
                if count > 400:
                    over = True
                    print(f"{p}: {count} lines")
                for name, start, length in fns:
                    if length > 80:
                        over = True
                        print(f"{p}:{start}: {name} {length} lines")
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
