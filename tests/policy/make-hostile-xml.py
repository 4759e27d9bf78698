#!/usr/bin/env python3
"""Print a domain XML built to cost a parser as much as possible.

Usage: make-hostile-xml.py KIND [N]
  attrs N        one <metadata> element with N attributes (issue 11: 25,000
                 take libxml2 2.5 s, 75,000 a minute)
  attrs-spread N N attributes, 100 per element (under the per-element bound)
  tags N         N empty elements in <metadata>
  bytes N        an XML of N bytes, mostly one text node
  encoding       a valid-looking XML whose declared EUC-JP text has bytes no
                 EUC-JP decoder accepts (libxml2: "encoding error")
Everything sits under <metadata> in a foreign namespace: libvirt carries
such XML through unchanged, so this is what a user who may define domains
can put in front of the hook.
"""
import sys

HEAD = '<domain type="kvm"><name>hostile</name><uuid>6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d</uuid><metadata><x:r xmlns:x="urn:x">'
TAIL = '</x:r></metadata><os><type machine="pc-q35-7.2">hvm</type></os></domain>\n'


def main():
    kind = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    out = sys.stdout
    if kind == "encoding":
        out.buffer.write(b'<?xml version="1.0" encoding="EUC-JP"?>\n<domain type="kvm"><name>a\xff\xff\x80b</name></domain>\n')
        return 0
    out.write(HEAD)
    if kind == "attrs":
        out.write("<x:e " + " ".join('a%d="v"' % i for i in range(n)) + "/>")
    elif kind == "attrs-spread":
        for start in range(0, n, 100):
            out.write("<x:e " + " ".join('a%d="v"' % i for i in range(min(100, n - start))) + "/>")
    elif kind == "tags":
        out.write("<x:e/>" * n)
    elif kind == "bytes":
        out.write("<x:t>" + "y" * max(0, n - len(HEAD) - len(TAIL) - 11) + "</x:t>")
    else:
        print("unknown kind %s" % kind, file=sys.stderr)
        return 2
    out.write(TAIL)
    return 0


sys.exit(main())
