#!/usr/bin/env python3
"""Counts public and package declarations in Sources/ and how many carry a /// comment.

    scripts/doc-coverage.py [--missing]    # per module; --missing lists the undocumented ones

Generated code (Sources/TurboAPI/Generated, Sources/TurboHTTP/OpenAPIDocument.swift) is left out.
"""
import os, re, sys

DECL = re.compile(r'^\s*(?:@[\w()".:, ]+\s+)*(?:public|package|open)\s+(?:(?:static|final|nonisolated|override|mutating|indirect|convenience|required|private\(set\)|internal\(set\)|fileprivate\(set\))\s+)*'
                  r'(func|var|let|init|enum|struct|class|actor|protocol|typealias|case|subscript|extension)\b')
missing = "--missing" in sys.argv
totals = {}
for root, _, files in os.walk("Sources"):
    if "Generated" in root:
        continue
    for name in sorted(files):
        if not name.endswith(".swift") or name == "OpenAPIDocument.swift":
            continue
        path = os.path.join(root, name)
        module = path.split(os.sep)[1]
        lines = open(path, encoding="utf-8").read().split("\n")
        for index, line in enumerate(lines):
            match = DECL.match(line)
            if not match or match.group(1) == "extension":
                continue
            previous = index - 1
            while previous >= 0 and lines[previous].strip().startswith("@"):
                previous -= 1
            documented = previous >= 0 and lines[previous].strip().startswith("///")
            done, count = totals.get(module, (0, 0))
            totals[module] = (done + documented, count + 1)
            if missing and not documented:
                print(f"{path}:{index + 1}: {line.strip()[:100]}")
all_done = sum(d for d, _ in totals.values())
all_count = sum(c for _, c in totals.values())
for module, (done, count) in sorted(totals.items()):
    print(f"{module:16} {done:4}/{count:4}  {100 * done / max(count, 1):5.1f} %")
print(f"{'all':16} {all_done:4}/{all_count:4}  {100 * all_done / max(all_count, 1):5.1f} %")
