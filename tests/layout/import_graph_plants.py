#!/usr/bin/env python3
"""import_graph.py fails on each planted include it exists to catch.

Usage: import_graph_plants.py SOURCE_ROOT

Copies lib/, include/, cli/, daemon/ and docs/layout.md to a temporary
tree, checks import_graph.py passes there, then plants one include at a
time and checks that it fails and names the planted file and line: so the
check of cli/ and daemon/ cannot pass by not looking.
"""

import pathlib
import shutil
import subprocess
import sys
import tempfile

# (file the include is planted in, the include line, why it must fail)
PLANTS = [
    ("lib/record/record_file.c", '#include "daemon/published_record.h"', "lib/ includes daemon/"),
    ("lib/util/fileio.c", '#include "cli/commands.h"', "lib/ includes cli/"),
    ("include/seoib/record_file.h", '#include "cli/libvirt_conn.h"', "include/seoib/ includes cli/"),
    ("cli/cmd_status.c", '#include "../daemon/log.h"', "cli/ includes daemon/'s private header"),
    ("cli/cmd_apply.c", '#include "daemon/seoibd.h"', "cli/ includes daemon/'s private header"),
    ("daemon/seoibd.c", '#include "cli/domain_access.h"', "daemon/ includes cli/'s private header"),
    ("lib/util/fileio.c", '#include "seoib/policy.h"', "util/ includes policy/ (an arrow up in lib/)"),
]


def run(script, tree):
    return subprocess.run([sys.executable, str(script), str(tree)], capture_output=True, text=True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: import_graph_plants.py SOURCE_ROOT")
    root = pathlib.Path(sys.argv[1])
    script = root / "tests" / "layout" / "import_graph.py"
    failures = 0
    with tempfile.TemporaryDirectory(prefix="import-graph-plants.") as tmp:
        tree = pathlib.Path(tmp)
        for top in ("lib", "include", "cli", "daemon"):
            shutil.copytree(root / top, tree / top)
        (tree / "docs").mkdir()
        shutil.copy(root / "docs" / "layout.md", tree / "docs" / "layout.md")
        clean = run(script, tree)
        if clean.returncode != 0:
            print("FAIL: import_graph.py fails on the unplanted copy:\n" + clean.stdout, file=sys.stderr)
            return 1
        for path, line, why in PLANTS:
            target = tree / path
            original = target.read_text(encoding="utf-8")
            lines = original.splitlines(keepends=True)
            # After the first include, so that the line number is known.
            at = next(i for i, l in enumerate(lines) if l.startswith("#include")) + 1
            target.write_text("".join(lines[:at] + [line + "\n"] + lines[at:]), encoding="utf-8")
            result = run(script, tree)
            target.write_text(original, encoding="utf-8")
            where = f"{path}:{at + 1}"
            if result.returncode == 0 or where not in result.stdout:
                print(f"FAIL: {why}: '{line}' planted at {where} is not reported "
                      f"(exit {result.returncode}):\n{result.stdout}", file=sys.stderr)
                failures += 1
            else:
                print(f"ok: {why}: {where} reported")
    print(f"{len(PLANTS)} plants, {failures} not caught")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
