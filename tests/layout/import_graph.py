#!/usr/bin/env python3
"""The import graph of lib/, cli/ and daemon/ points down the layers
docs/layout.md names.

A unit is one idea's files: lib/F/X.c (or X.S), its private header lib/F/X.h
and its public header include/seoib/X.h. Unit X depends on unit Y when a file
of X has `#include "seoib/Y.h"` (or a private "Y.h"). A unit's folder is the
folder of its lib/ sources; a public header with no source of its own gets its
folder from HEADER_HOMES below.

docs/layout.md's folder table gives every lib/ folder one row and a layer
number, lowest first. This test fails, printing the chain of files and lines:
- when a unit depends on a unit of another folder whose layer is not lower;
- when folders, or units of different folders, depend on each other in a
  cycle;
- when a header of one folder declares a function a source of another
  folder defines: its callers would depend on that folder by an arrow the
  includes do not show;
- when the table misses a lib/ folder, names one twice, or names one that
  does not exist;
- when a file of lib/ or include/seoib/ includes a header of cli/ or
  daemon/ (they sit above all of lib/ and may include any of its headers),
  or a file of one front end includes a private header of the other.
An include is resolved as the compiler does: beside the includer, then
include/, then the source root (meson's include path).

Usage: import_graph.py SOURCE_ROOT
"""

import os
import re
import sys

# Public headers with no .c of their own: which folder they belong to.
HEADER_HOMES = {
    "cleanup.h": "util",
    "exit_codes.h": "util",
    "bus_names.h": "util",
    "fleet_backend.h": "fleet",
}

# Declarations and definitions of functions with external linkage, at the
# start of a line (the tree's style), in text stripped of comments and
# preprocessor lines.
DECL_RE = re.compile(r'^(?!static\b|typedef\b|extern\b|struct\s+\w+\s*\{|enum\b|union\b)'
                     r'[A-Za-z_][\w \t*]*?\b(\w+)\s*\(([^;{}]*)\)\s*'
                     r'(?:__attribute__\s*\(\([^;{]*?\)\)\s*)?;', re.M)
DEF_RE = re.compile(r'^(?!static\b)[A-Za-z_][\w \t*]*?\b(\w+)\s*\(([^;{}]*)\)\s*\{', re.M)
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
ROW_RE = re.compile(r'^\|\s*`lib/([a-z_0-9]+)/`\s*\|\s*([0-9]+)\s*\|')


def layers_from_doc(root, problems):
    """{folder: layer} from docs/layout.md's folder table."""
    layers = {}
    path = os.path.join(root, "docs", "layout.md")
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = ROW_RE.match(line)
            if not m:
                if line.startswith("| `lib/"):
                    problems.append(f"docs/layout.md:{lineno}: a lib/ row without a layer "
                                    f"number in its second column: {line.strip()[:80]}")
                continue
            folder, layer = m.group(1), int(m.group(2))
            if folder in layers:
                problems.append(f"docs/layout.md:{lineno}: lib/{folder}/ has a second row; "
                                "give each folder one row")
            layers[folder] = layer
    return layers


def source_files(root):
    """Every file of the graph, as paths relative to root."""
    files = []
    for folder in sorted(os.listdir(os.path.join(root, "lib"))):
        d = os.path.join(root, "lib", folder)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h", ".S")):
                files.append(f"lib/{folder}/{name}")
    for name in sorted(os.listdir(os.path.join(root, "include", "seoib"))):
        if name.endswith(".h"):
            files.append(f"include/seoib/{name}")
    return files


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def unit_folders(files, problems):
    """{stem: folder}: where each unit's sources live."""
    homes = {}
    for path in files:
        if path.startswith("lib/"):
            folder = path.split("/")[1]
            s = stem(path)
            if s in homes and homes[s] != folder:
                problems.append(f"{path}: a unit named {s} also lives in lib/{homes[s]}/; "
                                "one name, one unit")
            homes[s] = folder
    for path in files:
        if path.startswith("include/"):
            s = stem(path)
            name = os.path.basename(path)
            if name in HEADER_HOMES:
                homes.setdefault(s, HEADER_HOMES[name])
            elif s not in homes:
                problems.append(f"{path} has no lib/*/{s}.c; add it to HEADER_HOMES in "
                                "tests/layout/import_graph.py with the folder it belongs to")
    return homes


def resolve_include(root, path, target):
    """The file a quoted include names, as the compiler finds it: beside the
    includer, then on meson's include path (include/, then the source root);
    None when it is not in the source tree (a system or generated header)."""
    here = os.path.dirname(path)
    for candidate in (os.path.join(here, target), os.path.join("include", target), target):
        candidate = os.path.normpath(candidate)
        if not candidate.startswith("..") and os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def quoted_includes(root, path):
    """[(line number, included file)] of path's quoted includes in the tree."""
    out = []
    with open(os.path.join(root, path), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE_RE.match(line)
            if not m:
                continue
            resolved = resolve_include(root, path, m.group(1))
            if resolved:
                out.append((lineno, resolved))
    return out


def includes(root, path):
    """[(line number, included unit stem)] of path's quoted includes."""
    return [(lineno, stem(resolved)) for lineno, resolved in quoted_includes(root, path)]


def code_text(root, path):
    with open(os.path.join(root, path), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"^[ \t]*#[^\n]*(?:\\\n[^\n]*)*", "", text, flags=re.M)


def misplaced_declarations(root, files, homes):
    """Functions a header of one folder declares and another folder defines."""
    defined = {}
    for path in files:
        if path.endswith(".c"):
            for m in DEF_RE.finditer(code_text(root, path)):
                defined.setdefault(m.group(1), path)
    problems = []
    for path in files:
        if not path.endswith(".h") or stem(path) not in homes:
            continue
        folder = homes[stem(path)]
        for m in DECL_RE.finditer(code_text(root, path)):
            where = defined.get(m.group(1))
            if where and where.split("/")[1] != folder:
                problems.append(f"{m.group(1)}() is declared in {path} ({folder}/) but defined in "
                                f"{where} ({where.split('/')[1]}/): declare it in a header of "
                                f"{where.split('/')[1]}/, or move it to {folder}/")
    return problems


def build_graph(root, files, homes):
    """{unit: {unit: (file, line)}}: one example include for every arrow."""
    graph = {s: {} for s in homes}
    for path in files:
        src = stem(path)
        if src not in homes:
            continue
        for lineno, dst in includes(root, path):
            if dst != src and dst in homes:
                graph[src].setdefault(dst, (path, lineno))
    return graph


def strong_components(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    comp.append(n)
                    if n == node:
                        break
                comps.append(comp)
    return comps


def path_between(graph, start, goal, allowed):
    """Shortest unit path start -> goal inside allowed (breadth first)."""
    prev = {start: None}
    queue = [start]
    for node in queue:
        for nxt in sorted(graph[node]):
            if nxt in allowed and nxt not in prev:
                prev[nxt] = node
                if nxt == goal:
                    chain = [goal]
                    while prev[chain[-1]] is not None:
                        chain.append(prev[chain[-1]])
                    return list(reversed(chain))
                queue.append(nxt)
    return None


def describe_chain(graph, homes, chain):
    lines = []
    for a, b in zip(chain, chain[1:]):
        path, lineno = graph[a][b]
        lines.append(f"    {homes[a]}/{a} -> {homes[b]}/{b}   ({path}:{lineno})")
    return "\n".join(lines)


FRONT_ENDS = ("cli", "daemon")


def front_end_of(path):
    """"cli" or "daemon" for a file of a front end, else None."""
    top = path.split("/")[0]
    return top if top in FRONT_ENDS else None


def front_end_files(root):
    files = []
    for top in FRONT_ENDS:
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    files.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(files)


def front_end_problems(root, lib_files):
    """Arrows that break the front ends' rule (docs/layout.md, "Layers"):
    cli/ and daemon/ may include any header of lib/ and include/seoib/;
    lib/ and include/seoib/ never include a file of cli/ or daemon/; cli/
    and daemon/ do not include each other's private headers."""
    problems = []
    for path in lib_files:
        for lineno, target in quoted_includes(root, path):
            if front_end_of(target):
                problems.append(f"an arrow up: {path}:{lineno} includes {target}, a header of "
                                f"{front_end_of(target)}/, above all of lib/: move what it needs "
                                "into lib/ (the front ends only read inputs and print)")
    for path in front_end_files(root):
        mine = front_end_of(path)
        for lineno, target in quoted_includes(root, path):
            theirs = front_end_of(target)
            if theirs and theirs != mine:
                problems.append(f"an arrow sideways: {path}:{lineno} includes {target}, a private "
                                f"header of {theirs}/: what both front ends need belongs in lib/")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    layers = layers_from_doc(root, problems)
    files = source_files(root)
    homes = unit_folders(files, problems)
    graph = build_graph(root, files, homes)

    folders = sorted(set(homes.values()))
    for folder in folders:
        if folder not in layers:
            problems.append(f"lib/{folder}/ has no row with a layer number in "
                            "docs/layout.md's folder table")
    for folder in sorted(layers):
        if folder not in folders:
            problems.append(f"docs/layout.md names lib/{folder}/, which has no sources")

    # Cycles between units of different folders (the finest chain).
    for comp in strong_components(graph):
        if len({homes[u] for u in comp}) < 2:
            continue
        members = set(comp)
        first = min(comp)
        cycle = None
        for nxt in sorted(graph[first]):
            if nxt in members:
                back = path_between(graph, nxt, first, members)
                if back:
                    cycle = [first] + back
                    break
        problems.append("a cycle between units of " +
                        ", ".join(sorted({homes[u] + "/" for u in comp})) + ":\n" +
                        describe_chain(graph, homes, cycle))

    # Cycles between folders, whichever units make them.
    folder_graph = {f: {} for f in folders}
    for src in sorted(graph):
        for dst in sorted(graph[src]):
            if homes[src] != homes[dst]:
                folder_graph[homes[src]].setdefault(homes[dst], (src, dst))
    cycles = [[a, b, a] for a in folders for b in sorted(folder_graph[a])
              if a < b and a in folder_graph[b]]
    for comp in strong_components(folder_graph):
        members = set(comp)
        if len(comp) < 2 or any(set(c) <= members for c in cycles):
            continue
        first = min(comp)
        nxt = min(f for f in folder_graph[first] if f in members)
        cycles.append([first] + path_between(folder_graph, nxt, first, members))
    for cycle in cycles:
        lines = []
        for a, b in zip(cycle, cycle[1:]):
            src, dst = folder_graph[a][b]
            lines.append(describe_chain(graph, homes, [src, dst]))
        problems.append("a cycle between folders " + " -> ".join(f + "/" for f in cycle) + ":\n" +
                        "\n".join(lines))

    problems += misplaced_declarations(root, files, homes)
    problems += front_end_problems(root, files)

    # Every arrow between folders points down.
    for src in sorted(graph):
        for dst in sorted(graph[src]):
            a, b = homes[src], homes[dst]
            if a == b or a not in layers or b not in layers:
                continue
            if layers[b] >= layers[a]:
                path, lineno = graph[src][dst]
                problems.append(f"an arrow up or sideways: {a}/ (layer {layers[a]}) -> "
                                f"{b}/ (layer {layers[b]}):\n"
                                + describe_chain(graph, homes, [src, dst]))

    if problems:
        for p in problems:
            print("import-graph: " + p)
        print(f"import-graph: {len(problems)} problem(s); the layers are docs/layout.md's "
              "folder table, lowest first")
        return 1
    by_layer = {}
    for folder in sorted(layers):
        by_layer.setdefault(layers[folder], []).append(folder)
    print("import-graph: every arrow points down: " +
          " < ".join(", ".join(by_layer[n]) for n in sorted(by_layer)) + " < cli, daemon")
    return 0


if __name__ == "__main__":
    sys.exit(main())
