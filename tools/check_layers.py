#!/usr/bin/env python3
"""Fails when an #include in src/ points back up the data path, or when includes form a cycle.

The folders of src/ are the stages of the data path, in this order; a file may include its own
folder, any folder before it, util/ and include/sockeye/ (the kernel<->user contract):

    config -> capture -> ingest -> conn -> proto -> agg -> pipeline -> sinks -> serve

Each stage knows the types of the stages before it and never what comes after it. Where an
earlier stage hands data to a later one it does so through an interface the earlier stage
declares (the pipeline calls sinks through pipeline/sink.h). worker/ and main.c compose the
stages and may include any of them. Subfolders of proto/ (one per protocol) and of sinks/ (one
per sink) are siblings: one never includes another.

    tools/check_layers.py [SRC_DIR]     (default: the src/ beside this script's folder)
"""
import os
import re
import sys

ORDER = ["util", "config", "capture", "ingest", "conn", "proto", "agg", "pipeline", "sinks",
         "serve", "worker", "main"]
SIBLING_PARENTS = ("proto", "sinks")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    """'conn/table.c' -> 'conn'; 'main.c' -> 'main'."""
    return rel.split("/")[0] if "/" in rel else os.path.splitext(rel)[0]


def sibling_of(rel):
    """'sinks/otlp/x.c' -> 'sinks/otlp'; files directly in proto/ or sinks/ have none."""
    parts = rel.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 and parts[0] in SIBLING_PARENTS else None


def check(src):
    files = {}
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith((".c", ".h")):
                path = os.path.join(root, n)
                files[os.path.relpath(path, src)] = path
    errors, graph = [], {}
    for rel, path in sorted(files.items()):
        here = layer_of(rel)
        if here not in ORDER:
            errors.append(f"{rel}: folder {here}/ is not a stage (tools/check_layers.py ORDER)")
            continue
        graph[rel] = []
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for lineno, inc in ((text.count("\n", 0, m.start()) + 1, m.group(1))
                            for m in INCLUDE.finditer(text)):
            target = inc if inc in files else os.path.normpath(
                os.path.join(os.path.dirname(rel), inc))
            if target not in files:
                continue  # include/sockeye/, generated headers, system headers
            graph[rel].append(target)
            there = layer_of(target)
            if ORDER.index(there) > ORDER.index(here):
                errors.append(f"{rel}:{lineno}: includes {inc}: {here}/ comes before "
                              f"{there}/ in the data path")
            mine, theirs = sibling_of(rel), sibling_of(target)
            if theirs and mine != theirs and layer_of(rel) == layer_of(target) and mine:
                errors.append(f"{rel}:{lineno}: includes {inc}: {mine}/ and {theirs}/ are "
                              f"siblings")
    errors += cycles(graph)
    return errors


def cycles(graph):
    """Every include cycle, once (depth-first search over the file graph)."""
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = "open"
        stack.append(n)
        for m in graph.get(n, ()):
            if state.get(m) == "open":
                found.append("include cycle: " + " -> ".join(stack[stack.index(m):] + [m]))
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = "done"

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src")
    errors = check(src)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"check_layers: {len(errors)} include(s) against the data path", file=sys.stderr)
        return 1
    print("check_layers: every include points down the data path; no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
