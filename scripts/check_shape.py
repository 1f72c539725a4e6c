#!/usr/bin/env python3
"""The shape of the code, checked: no import circle between the library's modules, no source
file over 700 lines, no function over 80 lines.

    python3 scripts/check_shape.py            # exit 1 and a list when a rule is broken
    python3 scripts/check_shape.py --graph    # also print which module uses which

Import circles: an edge A -> B when a file of top-level module A (or of a submodule of A) names
`crate::B` outside its `#[cfg(test)]` module; the crate root (lib.rs), which only re-exports, is
left out. Circles are the strongly connected components of that graph with more than one module.
Submodules of one module are checked the same way against each other (`super::x`,
`crate::a::x`). Source files: every `.rs` under `src/` of each crate (the library, the command
line, the Python bindings); integration tests and benchmarks are not counted. Function length:
from the line of `fn` to the line of its closing brace, comments and blank lines included.
"""
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
SOURCE_DIRS = ["src", "crates/pagesift-cli/src", "python/src"]
MAX_FILE_LINES = 700
MAX_FN_LINES = 80


def strip_code(text):
    """The text with comments, strings and char literals blanked (newlines kept), so that braces
    and paths are only those of the code."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
            continue
        m = re.match(r'b?r(#*)"', text[i:i + 40])
        if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            end = '"' + m.group(1)
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + "".join(ch for ch in text[i:j] if ch == "\n"))
            i = j
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "".join(ch for ch in text[i:j + 1] if ch == "\n"))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:i + 12])
            if m:
                out.append("' '")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def without_tests(code):
    """The code before its `#[cfg(test)]` module."""
    m = re.search(r"^\s*#\[cfg\(test\)\]\s*\n\s*mod\s", code, re.M)
    return code[: m.start()] if m else code


def rust_files():
    for base in SOURCE_DIRS:
        for dirpath, _, names in os.walk(os.path.join(ROOT, base)):
            for name in sorted(names):
                if name.endswith(".rs"):
                    yield os.path.join(dirpath, name)


def module_path(path):
    """`src/features/dom.rs` -> ["features", "dom"]; `src/features/mod.rs` -> ["features"]."""
    rel = os.path.relpath(path, os.path.join(ROOT, "src"))
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def long_functions(path, code):
    lines = code.split("\n")
    found = []
    fn_re = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"C\"\s+)?fn\s+(\w+)")
    for idx, line in enumerate(lines):
        m = fn_re.match(line)
        if not m:
            continue
        # The body starts at the first `{` after the signature (a `;` first: no body).
        depth, start_seen, end = 0, False, None
        for j in range(idx, len(lines)):
            for ch in lines[j] if j > idx else line[m.end():]:
                if not start_seen and ch == ";":
                    end = -1
                    break
                if ch == "{":
                    depth += 1
                    start_seen = True
                elif ch == "}":
                    depth -= 1
                    if start_seen and depth == 0:
                        end = j
                        break
            if end is not None:
                break
        if end is not None and end >= 0 and end - idx + 1 > MAX_FN_LINES:
            found.append((os.path.relpath(path, ROOT), idx + 1, m.group(7), end - idx + 1))
    return found


def main():
    graph = defaultdict(set)
    problems = []
    lib_files = []
    for path in rust_files():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        rel = os.path.relpath(path, ROOT)
        n_lines = text.count("\n")
        if n_lines > MAX_FILE_LINES:
            problems.append(f"{rel}: {n_lines} lines (at most {MAX_FILE_LINES})")
        code = strip_code(text)
        for rel_fn, line, name, length in long_functions(path, code):
            problems.append(f"{rel_fn}:{line}: fn {name} is {length} lines (at most {MAX_FN_LINES})")
        if rel.startswith("src" + os.sep):
            lib_files.append((path, without_tests(code)))
    # The library's module graph, at each level of nesting.
    for path, code in lib_files:
        mod = module_path(path)
        if not mod:
            continue
        for m in re.finditer(r"\bcrate::(\w+(?:::\w+)*)", code):
            target = m.group(1).split("::")
            add_edges(graph, mod, target)
        for m in re.finditer(r"\bsuper::(\w+)", code):
            parent = mod[:-1]
            add_edges(graph, mod, parent + [m.group(1)])
        # `use crate::{a, b::c}` groups.
        for m in re.finditer(r"\bcrate::\{([^;]*)\}", code):
            for item in re.findall(r"(?:^|[{,]\s*)(\w+)", m.group(1)):
                add_edges(graph, mod, [item])
    circles = strongly_connected(graph)
    for circle in circles:
        problems.append("import circle: " + " <-> ".join(sorted(circle)))
    if "--graph" in sys.argv:
        for node in sorted(graph):
            print(f"{node} -> {', '.join(sorted(graph[node]))}")
    for p in problems:
        print(p)
    print(f"check_shape: {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def add_edges(graph, mod, target):
    """An edge between the two modules at the level where their paths part: `features::dom`
    naming `crate::features::text` gives dom -> text within features."""
    common = 0
    while common < min(len(mod), len(target)) and mod[common] == target[common]:
        common += 1
    if common >= len(mod) or common >= len(target):
        return  # a module naming its own descendant or ancestor
    a = "::".join(mod[: common + 1])
    b = "::".join(target[: common + 1])
    if a != b and not target[common][0].isupper():
        graph[a].add(b)


def strongly_connected(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    sys.exit(main())
