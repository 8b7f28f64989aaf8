"""The docs say what the code does: every copro command and option they show exists, and the
cut-off table is the one the battery uses."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from copro_scale.cli import build_parser
from copro_scale.cutoffs import CUTOFFS

ROOT = Path(__file__).parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE_BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)
SPAN = re.compile(r"`([^`\n]+)`")


def _options(parser: argparse.ArgumentParser) -> set[str]:
    out = set()
    for action in parser._actions:
        out.update(o for o in action.option_strings if o.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out |= _options(sub)
    return out


def _commands(text: str) -> list[str]:
    """``copro ...`` command lines in code blocks and inline code, comments cut off."""
    lines = [line for block in CODE_BLOCK.findall(text)
             for line in block.replace("\\\n", " ").splitlines()]
    lines += SPAN.findall(CODE_BLOCK.sub("", text))
    out = []
    for line in lines:
        line = line.strip().removeprefix("$ ").split("  #")[0].split(" # ")[0].strip()
        if line.startswith("copro ") and "..." not in line:
            out.append(line)
    return out


def _option_spans(text: str) -> list[str]:
    """Options named on their own in inline code: `--teams teams.csv`, `--min-answered-share`."""
    return [span.split()[0].split("=")[0] for span in SPAN.findall(CODE_BLOCK.sub("", text))
            if span.startswith("--")]


#: Options the docs name that belong to another tool or script: the file that uses them.
SCRIPT_OPTIONS = {"--full": "docs/make_screenshots.py", "--markdown": "benchmarks/bench_classify.py",
                  "--doctest-modules": "pyproject.toml", "--max-children": "Makefile",
                  "--pg": "benchmarks/bench_serve.py",
                  "--ablation": "benchmarks/bench_calibration.py",
                  "--tradeoff": "benchmarks/bench_calibration.py"}


def _subcommand(parser: argparse.ArgumentParser, tokens: list[str]):
    """The (sub)parser that ``copro`` + ``tokens`` reaches: ``instrument export`` and the like."""
    for token in tokens:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs or token not in subs[0].choices:
            break
        parser = subs[0].choices[token]
    return parser


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_copro_command_in_the_docs_has_the_options_shown(doc):
    parser = build_parser()
    for command in _commands(doc.read_text(encoding="utf-8")):
        tokens = shlex.split(command.replace("[", " ").replace("]", " ").replace("|", " "))[1:]
        sub = _subcommand(parser, tokens)
        assert sub is not parser or tokens[0].startswith("-"), f"{doc.name}: `{command}`"
        options = {o for a in sub._actions for o in a.option_strings}
        shown = {t.split("=")[0] for t in tokens if t.startswith("--")}
        assert shown <= options, f"{doc.name}: `{command}`: no {sorted(shown - options)}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_option_the_docs_name_exists(doc):
    known = _options(build_parser())
    missing = []
    for option in set(_option_spans(doc.read_text(encoding="utf-8"))):
        script = SCRIPT_OPTIONS.get(option)
        if option not in known and not (script and option in (ROOT / script).read_text()):
            missing.append(option)
    assert missing == [], f"{doc.name} names options copro does not have: {sorted(missing)}"


def test_the_docs_show_the_commands():
    """The checks above see what the README shows (not an empty list)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {shlex.split(c)[1] for c in _commands(readme)}
    assert shown >= {"score", "validate", "report", "plan", "simulate", "instrument"}


def test_cutoff_table_is_the_one_the_battery_uses():
    text = (ROOT / "docs" / "cutoffs.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and re.fullmatch(r"`\w+`(, `\w+`)*", cells[2]):
            for key in re.findall(r"`(\w+)`", cells[2]):
                rows[key] = cells[1]
    assert set(rows) == set(CUTOFFS)
    for key, cut in CUTOFFS.items():
        numbers = {float(n) for n in re.findall(r"\d*\.?\d+", rows[key].replace("c / 6", ""))}
        for name, value in cut.items():
            if name != "source" and isinstance(value, (int, float)):
                assert round(value, 2) in {round(n, 2) for n in numbers}, (key, name, rows[key])


def test_the_readme_map_names_every_module():
    """README's "What is where" names every module and package of copro_scale."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tree = readme.split("## What is where", 1)[1].split("```")[1]
    src = ROOT / "src" / "copro_scale"
    names = {p.name for p in src.glob("*.py") if p.name != "__init__.py"}
    names |= {f"{p.parent.name}/" for p in src.glob("*/__init__.py")}
    missing = sorted(n for n in names if n not in tree)
    assert missing == [], f"README's 'What is where' leaves out {missing}"
