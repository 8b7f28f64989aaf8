"""Read what copro published (report folders, validation folders, ``--favourable`` tables).

Every number keeps the precision it was printed with: :class:`Num` holds the value and half the
unit of its last digit, the interval a reader knows the true value to lie in.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CoproError
from ..instrument import FACES, load_instrument


@dataclass(frozen=True)
class Num:
    """A printed number: ``value`` +- ``half``."""

    value: float
    half: float

    @property
    def lo(self) -> float:
        return self.value - self.half

    @property
    def hi(self) -> float:
        return self.value + self.half


def num(value, *, percent: bool = False, decimals: int | None = None) -> Num | None:
    """A printed number with its rounding; None if absent.

    Text ("3.06", "−0.46", "30%") is known to half a unit of its last digit. A JSON number is
    known to ``decimals`` places (the precision its writer states); None means exactly.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip().replace("\u2212", "-").rstrip("%")
        try:
            v = float(text)
        except ValueError:
            return None
        places = len(text.split(".")[1]) if "." in text else 0
        half = 0.5 * 10.0 ** -places
    else:
        v = float(value)
        half = 1e-9 * max(1.0, abs(v)) if decimals is None else 0.5 * 10.0 ** -decimals
    if percent:
        return Num(v / 100, half / 100)
    return Num(v, half)


def precision(doc: dict, kind: str, default: int | None) -> int | None:
    """The decimals a writer states for ``kind`` in ``meta.precision`` (else ``default``)."""
    p = (doc.get("meta") or {}).get("precision") or {}
    return p.get(kind, default)


@dataclass
class TeamPage:
    """What a team page shows beyond summary.json: item shares and the change table."""

    items: dict[str, dict[str, tuple[Num | None, Num | None]]] = field(default_factory=dict)
    then: dict[str, Num] = field(default_factory=dict)
    previous_wave: str | None = None
    score_n: dict[str, int] = field(default_factory=dict)
    item_n: dict[str, dict[str, int]] = field(default_factory=dict)  # where every answer counts once
    agreement: dict[str, Num] = field(default_factory=dict)


@dataclass
class Report:
    """One report folder: summary.json and its team pages."""

    path: Path
    summary: dict
    pages: dict[str, TeamPage]

    @property
    def wave(self) -> str:
        return str(self.summary.get("meta", {}).get("wave", ""))

    @property
    def k(self) -> int | None:
        k = self.summary.get("meta", {}).get("min_responses")
        return int(k) if k is not None else None


@dataclass
class Validation:
    path: Path
    doc: dict


@dataclass
class Favourable:
    path: Path
    rows: list[dict]


_TABLE = re.compile(r'<table class="stack items[^"]*">(.*?)</table>', re.DOTALL)
_SHARES = re.compile(r'data-label="Unfavourable">([^<]*)</td><td class="num" '
                     r'data-label="Favourable">([^<]*)</td>(?:<td class="num" data-label="n">(\d+)</td>)?')
_THEN = re.compile(r'<tr><th scope="row">([^<]*)</th><td class="num" data-label="Then">([^<]*)</td>')
_SCORES = re.compile(r'id="scores-h">(.*?)</table>', re.DOTALL)
_SCORE_N = re.compile(r'<th scope="row">([^<]*?)\s*(?:<span[^>]*>[^<]*</span>)?</th>'
                      r'<td class="num" data-label="n">(\d+)</td>')
_AGREEMENT = re.compile(r'<th scope="row">(r<sub>wg\(j\)</sub>|AD<sub>\(j\)</sub>)[^<]*</th>'
                        r'<td class="num" data-label="Value">([^<]*)</td>')
_WAVE = re.compile(r"<caption>Now minus (.*?), with 95% intervals</caption>")


def read_page(text: str) -> TeamPage:
    """Item shares and answer counts per view (``all``, then ``psw`` when shown), the "Then"
    column, the scores table's counts and the agreement indices."""
    from ..reports.content import SCORE_LABELS

    page = TeamPage()
    order = [it.id for f in FACES for it in load_instrument().items if it.face == f]  # by face
    for view, table in zip(("all", "psw"), _TABLE.findall(text)):
        rows = _SHARES.findall(table)
        page.items[view] = dict(zip(order, [(num(u, percent=True), num(f, percent=True))
                                            for u, f, _ in rows]))
        if "weighted equally" not in table:  # shares of counts, not means of two forms' shares
            page.item_n[view] = {i: int(n) for i, (_, _, n) in zip(order, rows) if n}
    by_label = {v: k for k, v in SCORE_LABELS.items()}
    for label, value in _THEN.findall(text):
        score, v = by_label.get(html.unescape(label)), num(value)
        if score and v is not None:
            page.then[score] = v
    scores = _SCORES.search(text)
    page.score_n = {by_label[label]: int(n) for label, n in _SCORE_N.findall(scores.group(1))
                    if label in by_label} if scores else {}
    for name, value in _AGREEMENT.findall(text):
        if (v := num(value)) is not None:
            page.agreement[re.sub("<[^>]+>", "", name)] = v
    m = _WAVE.search(text)
    page.previous_wave = html.unescape(m.group(1)) if m else None
    return page


def read_report(folder: Path) -> Report:
    from ..reports.writers import team_slugs

    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    teams = [t["team"] for t in summary["teams"]]
    pages = {}
    for team, slug in team_slugs(teams).items():
        p = folder / "teams" / f"{slug}.html"
        if p.is_file():
            pages[team] = read_page(p.read_text(encoding="utf-8"))
    return Report(folder, summary, pages)


def read_favourable(path: Path) -> Favourable:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:  # formula-safe cells start with a quote
        r["team"] = r["team"].removeprefix("'")
    return Favourable(path, rows)


def discover(paths) -> list:
    """Every output under ``paths`` (folders are searched; a CSV is a --favourable table)."""
    found: list = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise CoproError(f"{p}: no such file or folder")
        if p.is_file():
            if p.name == "summary.json":
                found.append(read_report(p.parent))
            elif p.name == "validation.json":
                found.append(Validation(p.parent, json.loads(p.read_text(encoding="utf-8"))))
            elif p.suffix.lower() == ".csv":
                found.append(read_favourable(p))
            continue
        for s in sorted(p.rglob("summary.json")):
            found.append(read_report(s.parent))
        for v in sorted(p.rglob("validation.json")):
            found.append(Validation(v.parent, json.loads(v.read_text(encoding="utf-8"))))
        for c in sorted(p.rglob("*.csv")):
            if c.name != "summary.csv" and c.read_text(encoding="utf-8-sig")[:200].startswith('"team","n"'):
                found.append(read_favourable(c))
    if not found:
        raise CoproError("no copro output (summary.json, validation.json or a --favourable "
                         "table) found in " + ", ".join(map(str, paths)))
    return found
