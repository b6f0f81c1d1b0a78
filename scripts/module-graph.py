#!/usr/bin/env python3
"""Prints the module graph of Sources/ from the real imports (not from Package.swift), as the README draws it.

Each Swift target is listed with the project modules its files import, highest layer first; system-library shims (C targets, checked by the linker)
and Foundation/Glibc are left out. With --check, also compares the imports with Package.swift's declared
dependencies and exits 1 naming each target that imports a module it does not declare or declares one it never
imports.
Usage: scripts/module-graph.py [--check]
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCES = os.path.join(ROOT, "Sources")
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_implementationOnly\s+|public\s+|internal\s+)?import\s+(\w+)", re.M)


def imports():
    """Target -> set of project modules its Swift files import."""
    modules = {d for d in os.listdir(SOURCES) if os.path.isdir(os.path.join(SOURCES, d))}
    graph = {}
    for target in sorted(modules):
        found = set()
        for dirpath, _, files in os.walk(os.path.join(SOURCES, target)):
            for f in files:
                if f.endswith(".swift"):
                    with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                        found |= set(IMPORT.findall(fh.read()))
        if any(f.endswith(".swift") for _, _, fs in os.walk(os.path.join(SOURCES, target)) for f in fs):
            graph[target] = found
    return graph, modules


def layers(graph):
    """Depth of each target: 0 for one importing no project module, else 1 + the deepest it imports."""
    depth = {}

    def d(t):
        if t not in depth:
            depth[t] = 0
            depth[t] = 1 + max((d(m) for m in graph[t] if m in graph), default=-1)
        return depth[t]
    for t in graph:
        d(t)
    return depth


def declared():
    """Target -> declared dependencies (names in quotes and product names) from Package.swift."""
    text = open(os.path.join(ROOT, "Package.swift"), encoding="utf-8").read()
    out = {}
    for m in re.finditer(r'\.(?:target|executableTarget)\(name: "(\w+)", dependencies: \[(.*?)\]', text, re.S):
        deps = set(re.findall(r'"(\w+)"', m.group(2)))
        deps |= set(re.findall(r'\.product\(name: "(\w+)"', m.group(2)))
        out[m.group(1)] = deps
    return out


def main():
    graph, modules = imports()
    depth = layers(graph)
    external = {"ArgumentParser", "Yams"}
    for t in sorted(graph, key=lambda t: (-depth[t], t)):
        deps = sorted(m for m in graph[t] if m in graph or m in external)
        print(f"{t:16} -> {', '.join(deps) if deps else '(none)'}")
    if "--check" in sys.argv:
        decl, bad = declared(), False
        for t, deps in sorted(graph.items()):
            used = {m for m in deps if m in graph or m in external}
            have = decl.get(t, set())
            missing, unused = used - have, {d for d in have - used if d in graph or d in external}
            if missing or unused:
                bad = True
                print(f"{t}: imports undeclared {sorted(missing)}; declares unused {sorted(unused)}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
