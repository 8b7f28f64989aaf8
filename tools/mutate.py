"""A small mutation run: every comparison, boolean and +-1 in a module's rule lines, flipped one
at a time, must make its tests fail.

mutmut would do this too, but it copies the tree and reruns the suite per mutant (hours on two
shared cores); here each mutant runs only the tests named for its module. Usage:

    python tools/mutate.py src/copro_scale/privacy.py tests/privacy/test_rules.py tests/reports/test_privacy.py

Prints each surviving mutant (line, before, after) and exits 1 if any survived.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWAPS = [(r" >= ", " > "), (r" > ", " >= "), (r" <= ", " < "), (r" < ", " <= "),
         (r" == ", " != "), (r" != ", " == "), (r" and ", " or "), (r" or ", " and "),
         (r"\bTrue\b", "False"), (r"\bFalse\b", "True"), (r" - 1\b", " - 2"), (r" \+ 1\b", " + 2"),
         (r"\bnot ", "")]


def mutants(text: str):
    lines = text.splitlines(keepends=True)
    in_doc = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.count('"""') == 1:
            in_doc = not in_doc
            continue
        if in_doc or stripped.startswith(("#", ">>>", "...")) or '"""' in stripped or not stripped:
            continue
        code = line.split("  #")[0]
        for pat, rep in SWAPS:
            for m in re.finditer(pat, code):
                new = code[:m.start()] + rep + code[m.end():]
                if new.count('"') % 2 or "f\"" in code[:m.start()] and code[:m.start()].count('"') % 2:
                    continue  # inside a string
                yield i + 1, stripped, new.strip(), "".join(lines[:i] + [new + line[len(code):]] + lines[i + 1:])


def main(module: str, *tests: str) -> int:
    src = (ROOT / module).read_text()
    survived, killed = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(ROOT / "src", copy)
        target = copy / Path(module).relative_to("src")
        for lineno, before, after, text in mutants(src):
            target.write_text(text)
            r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                "--doctest-modules", str(target), *tests], cwd=ROOT,
                               env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
                               capture_output=True)
            if r.returncode == 0:
                survived.append((lineno, before, after))
                print(f"SURVIVED {module}:{lineno}: {before}  ->  {after}", flush=True)
            else:
                killed += 1
        target.write_text(src)
    print(f"{module}: {killed} mutants killed, {len(survived)} survived")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
