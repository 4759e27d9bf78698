#!/usr/bin/env python3
"""docs/layout.md's "One owner a question" table against the tree.

Usage: owners.py SOURCE_ROOT

Every row of the table names, in its "function" column, the functions that
answer its question, in backticks as `name()`, each followed by the file it
lives in as (`file.c`) (a bare name is the one file of that name under
lib/; a path is from the source root). Functions before a file's
parenthesis live in that file; a function with no file after it (or one
inside the parenthesis, "over `other()`") is looked for in all of lib/.

The table is read now, not copied here: renaming or moving a function
without its row fails this test, naming the row; so does a function named
with its file in two rows (one question, one row). Exit 0 when every named
function is defined where its row says, 1 otherwise (every bad row listed).
"""

import pathlib
import re
import sys

HEADING = "## One owner a question"
FUNCTION = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)\(\)`")
FILE = re.compile(r"`([A-Za-z0-9_./-]+\.[ch])`")


def table_rows(layout):
    """(line number, question, function cell) of every row of the table."""
    lines = layout.read_text(encoding="utf-8").splitlines()
    try:
        start = lines.index(HEADING)
    except ValueError:
        sys.exit(f"FAIL: {layout} has no '{HEADING}' section")
    rows, in_table = [], False
    for number, line in enumerate(lines[start + 1:], start + 2):
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "question" or set(cells[0]) <= set("-: "):
            continue
        if len(cells) != 3:
            sys.exit(f"FAIL: {layout}:{number}: a row of three cells expected, got {len(cells)}: {line}")
        rows.append((number, cells[0], cells[1]))
    return rows


def owners(cell):
    """[(function, file or None)] named by a function cell, in order."""
    pending, named, depth, file_next = [], [], 0, False
    for token in re.finditer(r"[()]|`[^`]+`", cell):
        text = token.group(0)
        if text == "(":
            depth += 1
            file_next = depth == 1
            continue
        if text == ")":
            depth = max(depth - 1, 0)
            continue
        file = FILE.fullmatch(text)
        if file_next and file:
            named += [(f, file.group(1)) for f in pending]
            pending = []
        file_next = False
        function = FUNCTION.fullmatch(text)
        if function and depth == 0:
            pending.append(function.group(1))
        elif function:
            named.append((function.group(1), None))
    return named + [(f, None) for f in pending]


def resolve(root, file):
    """The files a row's file names: itself, or every lib/**/NAME."""
    if "/" in file:
        return [root / file]
    return sorted((root / "lib").rglob(file))


def defines(source, function):
    """Whether SOURCE's text defines FUNCTION (its body, not a prototype)."""
    start = re.compile(r"^(?![\s#/*])[^;{}=\n]*\b" + re.escape(function) + r"\s*\(", re.M)
    for match in start.finditer(source):
        depth, i = 1, match.end()
        while i < len(source) and depth:
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
        rest = source[i:].lstrip()
        if rest.startswith("{"):
            return True
    return False


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: owners.py SOURCE_ROOT")
    root = pathlib.Path(sys.argv[1])
    layout = root / "docs" / "layout.md"
    rows = table_rows(layout)
    if not rows:
        sys.exit(f"FAIL: {layout}: the '{HEADING}' table has no rows")
    lib_sources = sorted((root / "lib").rglob("*.c"))
    texts = {}

    def text(path):
        if path not in texts:
            texts[path] = path.read_text(encoding="utf-8", errors="replace")
        return texts[path]

    failures = checked = 0
    owner_rows = {}
    for number, question, cell in rows:
        named = owners(cell)
        where = f"docs/layout.md:{number}, row '{question}'"
        # One owner a question: a function that owns (not one a row names
        # "over") answers one row's question.
        for function, file in named:
            if file is None:
                continue
            if function in owner_rows and owner_rows[function] != number:
                print(f"FAIL {where}: {function}() already owns the row at docs/layout.md:"
                      f"{owner_rows[function]}; one question, one row", file=sys.stderr)
                failures += 1
            owner_rows.setdefault(function, number)
        if not named:
            print(f"FAIL {where}: names no function as `name()`", file=sys.stderr)
            failures += 1
            continue
        for function, file in named:
            checked += 1
            if file is None:
                found = [p for p in lib_sources if defines(text(p), function)]
                if not found:
                    print(f"FAIL {where}: {function}() is defined nowhere in lib/", file=sys.stderr)
                    failures += 1
                continue
            paths = resolve(root, file)
            if len(paths) != 1 or not paths[0].is_file():
                what = "no such file" if not paths or not paths[0].is_file() else \
                    "several files: " + ", ".join(str(p.relative_to(root)) for p in paths)
                print(f"FAIL {where}: {file} ({function}()): {what}", file=sys.stderr)
                failures += 1
                continue
            if not defines(text(paths[0]), function):
                elsewhere = [str(p.relative_to(root)) for p in lib_sources if defines(text(p), function)]
                hint = f"; it is defined in {', '.join(elsewhere)}" if elsewhere else "; nor anywhere in lib/"
                print(f"FAIL {where}: {function}() is not defined in {paths[0].relative_to(root)}{hint}",
                      file=sys.stderr)
                failures += 1
    print(f"{len(rows)} rows, {checked} functions checked, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
