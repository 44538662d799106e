"""The README's flag table against `sockeye --help`, which cli.c generates from its flag table:
the same flags with the same short names and values, the same ranges (every "A..B" of a
flag's help is in its README row, and no other), and, where --help gives a one-word default,
the README's default column starts with it.

Usage: test_readme_flags.py SOCKEYE README.md"""

import re
import subprocess
import sys

RANGE = re.compile(r"\b\d+[KMG]?\.\.\d+[KMG]?\b")


def help_flags(sockeye):
    """{spec: description} from --help: "  spec  text", continued on indented lines."""
    out = subprocess.run([sockeye, "--help"], capture_output=True, text=True, check=True,
                         timeout=30).stdout
    flags, spec = {}, None
    for line in out.splitlines():
        m = re.match(r"  (-\S.*?)(?:  +(.*))?$", line)
        if m:
            spec = m.group(1)
            flags[spec] = m.group(2) or ""
        elif spec and line.startswith("   "):
            flags[spec] += " " + line.strip()
        else:
            spec = None
    return flags


def readme_flags(path):
    """{spec: (default cell, meaning cell)} from the table under "## Command line"."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        for spec in re.findall(r"`([^`]+)`", cells[0]):
            rows[spec] = (cells[1], cells[2])
    return rows


def main():
    sockeye, readme = sys.argv[1], sys.argv[2]
    helped, documented = help_flags(sockeye), readme_flags(readme)
    problems = []
    for spec in sorted(set(helped) - set(documented)):
        problems.append(f"{spec}: in --help, not in the README's flag table")
    for spec in sorted(set(documented) - set(helped)):
        problems.append(f"{spec}: in the README's flag table, not in --help")
    for spec in sorted(set(helped) & set(documented)):
        text = helped[spec]
        default, meaning = documented[spec]
        want, have = set(RANGE.findall(text)), set(RANGE.findall(default + " " + meaning))
        if want != have:
            problems.append(f"{spec}: ranges {sorted(want)} in --help, {sorted(have)} in README")
        m = re.search(r"\(default (\S+)\)$", text)
        if m:
            first = default.replace("`", "").split(" ")[0]
            if first != m.group(1):
                problems.append(f"{spec}: default {m.group(1)} in --help, '{default}' in README")
    for p in problems:
        print(p)
    print(f"{len(helped)} flags in --help, {len(documented)} in the README; "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
