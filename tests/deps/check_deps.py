#!/usr/bin/env python3
"""Checks that src/ keeps to the module map in docs/design.md.

The "Modules" section of the design holds one markdown table row per module,
`| `name` | owns | may use |`, "may use" being a comma-separated list of
module names (empty for none). A file under src/<module>/ may include headers
("<other>/...") only from its own module and from those listed in its row;
src/main.cc belongs to cli. Every directory under src/ needs a row, and every
name a row lists must have a row of its own.

Prints one line per offence (file:line for includes) and exits 1 when there is
any, 0 otherwise. Python's standard library only.

    check_deps.py [--root REPO]   (default: the repository holding this file)
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*"(([^"/]+)/[^"]*)"')
ROW = re.compile(r"^\|\s*`([A-Za-z0-9_]+)`\s*\|")
SOURCE_EXTS = (".h", ".hh", ".hpp", ".cc", ".cpp", ".c", ".inc", ".in")
TOP_LEVEL_OWNERS = {"main.cc": "cli"}


def split_row(line):
    """The cells of a markdown table row; `\\|` inside a cell is not a border."""
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [c.strip() for c in cells[1:-1]]


def modules_section(text):
    """The lines of the section whose heading starts with "Modules"."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^#+\s+Modules\b", line):
            level = len(line) - len(line.lstrip("#"))
            out = []
            for rest in lines[i + 1:]:
                m = re.match(r"^(#+)\s", rest)
                if m and len(m.group(1)) <= level:
                    break
                out.append(rest)
            return out
    return None


def parse_table(design_path):
    """{module: set(may use)} from the design's module table, plus problems."""
    with open(design_path, encoding="utf-8") as f:
        section = modules_section(f.read())
    if section is None:
        return {}, [f"{design_path}: no \"Modules\" section"]
    table, problems = {}, []
    for line in section:
        m = ROW.match(line)
        if not m:
            continue
        cells = split_row(line)
        if len(cells) != 3:
            problems.append(f"{design_path}: row for {m.group(1)} has {len(cells)} cells, want 3")
            continue
        uses = {u.strip().strip("`") for u in cells[2].split(",") if u.strip()}
        table[m.group(1)] = uses
    if not table:
        problems.append(f"{design_path}: the \"Modules\" section has no module rows")
    for name, uses in sorted(table.items()):
        for u in sorted(uses - table.keys()):
            problems.append(f"{design_path}: {name} may use {u!r}, which has no row")
    return table, problems


def source_files(src):
    """(path, owning module or None) for every source file under src/."""
    for entry in sorted(os.listdir(src)):
        path = os.path.join(src, entry)
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.endswith(SOURCE_EXTS):
                        yield os.path.join(dirpath, name), entry
        elif entry.endswith(SOURCE_EXTS):
            yield path, TOP_LEVEL_OWNERS.get(entry)


def check_file(path, module, table, rel):
    """One problem line per include of a module the file's module may not use."""
    allowed = table[module] | {module}
    problems = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            header, target = m.group(1), m.group(2)
            if target in table and target not in allowed:
                uses = ", ".join(sorted(table[module])) or "no other module"
                problems.append(f"{rel(path)}:{lineno}: {module} includes \"{header}\""
                                f" but may use only {uses} (docs/design.md, Modules)")
    return problems


def check(root):
    """Every problem in the tree at root, as printable lines."""
    table, problems = parse_table(os.path.join(root, "docs", "design.md"))
    src = os.path.join(root, "src")
    rel = lambda p: os.path.relpath(p, root)
    for entry in sorted(os.listdir(src)):
        if os.path.isdir(os.path.join(src, entry)) and entry not in table:
            problems.append(f"src/{entry}/: no row in the module table of docs/design.md")
    for path, module in source_files(src):
        if module is None:
            problems.append(f"{rel(path)}: belongs to no module (only main.cc may sit in src/)")
        elif module in table:
            problems += check_file(path, module, table, rel)
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(here)))
    args = ap.parse_args()
    problems = check(args.root)
    for p in problems:
        print(p)
    if problems:
        print(f"check_deps: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("check_deps: every include keeps to the module table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
