#!/usr/bin/env python3
"""Calls that only a question's owner makes (docs/layout.md, "One owner a question").

Usage: one_caller.py SOURCE_ROOT

Some owners sit over a lower call that anyone could make instead of asking
the owner: the state element could be written by building it and calling
libvirt, the record file parsed without the reader's bounds. ONLY_CALLERS
names each such call and the files that may make it; a call to it from any
other source of lib/, cli/ or daemon/ fails this test, naming file and line
and the owner to call instead. Comments are not calls; the file defining
the function may call it.
"""

import pathlib
import re
import sys

# call: (the files that may call it, the owner every other file asks)
ONLY_CALLERS = {
    # The state element in a guest's seoib metadata: one writer.
    "guest_metadata_element": (
        ["lib/guest/guest_metadata_libvirt.c"],
        "guest_metadata_write() (lib/guest/guest_metadata_libvirt.c)"),
    # libvirt's metadata call: the state's writer, and cli/domain_access.c for
    # the operator's acknowledgement and forget-state's removal.
    "virDomainSetMetadata": (
        ["lib/guest/guest_metadata_libvirt.c", "cli/domain_access.c"],
        "guest_metadata_write() for the state, domain_set_metadata() (cli/domain_access.c) otherwise"),
    # The record file seoibd publishes: one reader, bounded, under the
    # trusted-path rule (fuzz/ and tests/ call the parse on text directly).
    "record_file_parse": (
        ["lib/record/record_file.c"],
        "record_file_read() (lib/record/record_file.c)"),
}


def code_text(text):
    """text without comments and string literals, line numbers kept."""
    def blank(match):
        return re.sub(r"[^\n]", " ", match.group(0))
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    text = re.sub(r"//[^\n]*", blank, text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', blank, text)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: one_caller.py SOURCE_ROOT")
    root = pathlib.Path(sys.argv[1])
    sources = sorted(p for top in ("lib", "cli", "daemon") for p in (root / top).rglob("*.c"))
    failures = 0
    for path in sources:
        rel = str(path.relative_to(root))
        text = code_text(path.read_text(encoding="utf-8", errors="replace"))
        for name, (allowed, owner) in ONLY_CALLERS.items():
            if rel in allowed:
                continue
            for match in re.finditer(r"\b" + name + r"\s*\(", text):
                line = text.count("\n", 0, match.start()) + 1
                rest = text[match.end():]
                depth, i = 1, 0
                while i < len(rest) and depth:
                    depth += {"(": 1, ")": -1}.get(rest[i], 0)
                    i += 1
                if rest[i:].lstrip().startswith("{"):
                    continue  # its definition
                print(f"FAIL {rel}:{line}: calls {name}(), which only {', '.join(allowed)} may call; "
                      f"ask {owner}", file=sys.stderr)
                failures += 1
    print(f"{len(sources)} sources, {len(ONLY_CALLERS)} calls checked, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
