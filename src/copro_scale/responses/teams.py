"""Team names: a team list, and the matching that keeps a typo from splitting a team.

Every survey platform asks for the team as free text (unless the export offers the listed teams
as choices), so "Psychosis Service", "psychosis service " and "Psychosis Svc" arrive as three
names. Two names with the same *key* (:func:`team_key`: case, spacing, punctuation and accents
ignored) are one team.

- With a team list (:func:`read_team_list`), each name is matched by key to a listed team or
  one of its aliases; a name that matches none is excluded as ``unknown_team``.
- Without one, names with the same key are merged under their most frequent spelling, with a
  warning, and near-duplicates ("Psychosis Svc") are listed for a person to decide.

A team list is a CSV (comma, semicolon or tab; ``encoding`` as for the responses) or an xlsx
sheet; its columns beyond the known ones are read and left alone. Headcounts are whole numbers
(``3``, or ``3.0`` as a spreadsheet writes it).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import CoproError

#: Alias separators in the team list's ``aliases`` column.
ALIAS_SEPARATOR = re.compile(r"\s*[;|]\s*")
#: Two keys this similar (Indel ratio, as difflib's) are listed as near-duplicates.
NEAR_RATIO = 0.8
#: Above this many distinct names the near-duplicate search (quadratic) is skipped.
MAX_NEAR_NAMES = 5000
#: Warnings of one kind (names not in the team list, merged spellings, look-alike names,
#: headcounts below the responses) given one by one; the rest are counted in one line.
MAX_NAMED = 10
HEADCOUNT_COLUMNS = {"psw": "n_psw_expected", "colleague": "n_colleague_expected"}
_HEADCOUNT_NAMES = {
    "n_psw_expected": "psw", "n_psw": "psw", "psw": "psw", "psws": "psw",
    "n_colleague_expected": "colleague", "n_colleague": "colleague", "n_colleagues": "colleague",
    "colleague": "colleague", "colleagues": "colleague",
}
#: Levels of a team list's ``parent`` path, outermost first ("Acute > Psychosis Service").
PARENT_SEPARATOR = re.compile(r"\s*>\s*")
#: Team names that may be a missing value written as text by another program.
SUSPECT_NAMES = frozenset({"na", "n/a", "none", "null", "nan", "-", "."})


_NOT_ALNUM = re.compile(r"[\W_]+")


def team_key(name: str) -> str:
    """The matching key of a team name: letters and digits only, case and accents folded.

    Examples
    --------
    >>> team_key("  Psychosis-Service ") == team_key("psychosis service")
    True
    >>> team_key("Équipe Sud") == team_key("equipe sud")
    True
    """
    text = str(name)
    if not text.isascii():  # accents off: NFKD splits them from their letters
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub("", text.casefold())


def team_keys(names: list[str]) -> list[str]:
    """:func:`team_key` of many names: the ASCII ones by pyarrow's string kernels at once.

    Examples
    --------
    >>> team_keys(["Ward_A ", "Équipe Sud"])
    ['warda', 'equipesud']
    """
    arr = pa.array(names, type=pa.string())
    ascii_ = pc.string_is_ascii(arr).to_numpy(zero_copy_only=False)
    keys = pc.replace_substring_regex(pc.ascii_lower(arr), r"[^a-z0-9]+", "").to_pylist()
    return [k if a else team_key(n) for k, a, n in zip(keys, ascii_, names)]


@dataclass(frozen=True)
class TeamList:
    """The teams surveyed, their aliases and (optionally) how many PSWs and colleagues each has.

    Attributes
    ----------
    teams : tuple of str
        Team names in list order.
    keys : dict
        :func:`team_key` of each name and alias -> team name.
    headcounts : DataFrame
        ``team, n_psw_expected, n_colleague_expected`` (Int64, <NA> where not given) and
        ``parent``: the team's service line or directorate path, levels joined by ``" > "``
        outermost first (<NA> where not given).
    source : str
    """

    teams: tuple[str, ...]
    keys: dict = field(repr=False)
    headcounts: pd.DataFrame = field(repr=False)
    source: str = "<teams>"

    @classmethod
    def from_records(cls, records, source: str = "<teams>") -> TeamList:
        """Build from dicts with ``team`` and optional ``aliases`` (list or ``;``-joined text),
        ``n_psw_expected``, ``n_colleague_expected`` and ``parent`` (a service line or
        directorate; nested levels outermost first, separated by ``>``).

        Examples
        --------
        >>> tl = TeamList.from_records([{"team": "Ward A", "aliases": "A; Ward 1",
        ...                              "parent": "Acute > Inpatient"}])
        >>> tl.match("ward-a"), tl.match("ward 1"), tl.match("Ward B")
        ('Ward A', 'Ward A', None)
        >>> tl.headcounts["parent"].tolist()
        ['Acute > Inpatient']
        """
        teams, keys, counts = [], {}, []
        above: dict[str, tuple] = {}  # parent key -> (its name, the path above it, row)
        for k, rec in enumerate(records, start=2):
            name = str(rec.get("team") or "").strip()
            if not name:
                raise CoproError("team is blank", file=source, row=k, column="team")
            aliases = rec.get("aliases") or []
            if isinstance(aliases, str):
                aliases = [a for a in ALIAS_SEPARATOR.split(aliases.strip()) if a]
            for text in (name, *aliases):
                key = team_key(text)
                if not key:
                    raise CoproError(f"{text!r} has no letters or digits", file=source, row=k)
                if keys.get(key, name) != name:
                    raise CoproError(f"{text!r} also names team {keys[key]!r}", file=source, row=k)
                keys[key] = name
            if name in teams:
                raise CoproError(f"team {name!r} is listed twice", file=source, row=k)
            teams.append(name)
            row = {"team": name}
            for col in HEADCOUNT_COLUMNS.values():
                row[col] = _headcount(rec.get(col), source, k, col)
            row["parent"] = _parent_path(rec.get("parent"), above, source, k)
            counts.append(row)
        if not teams:
            raise CoproError("lists no teams", file=source)
        for key, (parent, _, k) in above.items():
            if key in keys:
                raise CoproError(f"parent {parent!r} is also a team name or alias", file=source,
                                 row=k, column="parent")
        frame = pd.DataFrame(counts, columns=["team", *HEADCOUNT_COLUMNS.values(), "parent"])
        for col in HEADCOUNT_COLUMNS.values():
            frame[col] = frame[col].astype("Int64")
        frame["parent"] = frame["parent"].astype("string")
        return cls(tuple(teams), keys, frame, source)

    def match(self, name) -> str | None:
        """The listed team a name stands for (by key), or None."""
        return self.keys.get(team_key(name))

    def closest(self, name) -> str | None:
        """The listed team whose key is most like ``name``'s (for a hint), or None: the Indel
        similarity difflib's ratio measures, by rapidfuzz (C++, against every key at once).

        Examples
        --------
        >>> TeamList.from_records([{"team": "Psychosis Service"}, {"team": "Ward A"}]).closest("Psychosis Svc")
        'Psychosis Service'
        """
        from rapidfuzz import fuzz, process

        hit = process.extractOne(team_key(name), list(self.keys), scorer=fuzz.ratio,
                                 score_cutoff=60)
        return self.keys[hit[0]] if hit else None


def _headcount(value, source, row, column):
    """A headcount cell as a whole number: ``3``, ``3.0`` (a spreadsheet's number) or ``3,0``."""
    if value is None or str(value).strip() == "" or value != value:  # noqa: PLR0124 (x != x: NaN of any type)
        return None
    text = str(value).strip()
    whole = re.fullmatch(r"([0-9]+)(?:[.,]0*)?", text) if text.isascii() else None
    if whole is None:
        raise CoproError(f"headcount {text[:20]!r} is not a whole number", file=source, row=row,
                         column=column)
    return int(whole.group(1))


def _read_rows(path: Path, encoding: str | None = None, sheet=None) -> list[list[str]]:
    """The cells of a team list as text: an xlsx sheet, or delimited text (comma, semicolon or
    tab, the one the header uses most) in ``encoding`` (default UTF-8, or UTF-16 by its BOM)."""
    from .tables import binary_kind, encoding_of, read_excel

    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise CoproError("team list not found", file=path) from None
    except OSError as exc:
        raise CoproError(f"cannot read the team list ({type(exc).__name__})", file=path) from None
    if path.suffix.lower() in (".xlsx", ".xlsm") or data.startswith(b"PK\x03\x04"):
        frame = read_excel(path, header=None, sheet=0 if sheet is None else sheet)
        return [["" if v != v else str(int(v) if isinstance(v, float) and v.is_integer() else v)  # noqa: PLR0124 (x != x: NaN of any type)
                 for v in r] for r in frame.itertuples(index=False)]
    problem = binary_kind(path, data[:65536])
    if problem:
        raise CoproError(problem, file=path)
    enc = encoding_of(data, encoding)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise CoproError(f"team list is not {enc.replace('-sig', '')} text (byte "
                         f"0x{data[exc.start]:02x}); save it as UTF-8 or pass --encoding (e.g. "
                         "cp1252)", file=path, row=data.count(b"\n", 0, exc.start) + 1) from None
    except LookupError:
        raise CoproError(f"unknown encoding {enc!r}", file=path) from None
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    sep = max((",", ";", "\t"), key=first.count)
    try:
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=None), delimiter=sep))
    except csv.Error as exc:
        raise CoproError(f"cannot read the team list ({exc})", file=path) from None


def headcount_checks(team_list: pd.DataFrame, data: pd.DataFrame | None = None, *,
                     counts: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list]:
    """The team list's headcounts checked against the responses kept: a headcount below the
    responses of its form (a rate above 100 %) is withdrawn (<NA>: no rate is shown) with a
    warning, and a listed team with no response is named. ``counts`` (team x form: responses
    kept) may replace ``data``, for a file read in blocks.

    Examples
    --------
    >>> tl = pd.DataFrame({"team": ["A", "B"], "n_psw_expected": pd.array([2, 3], "Int64"),
    ...                    "n_colleague_expected": pd.array([None, None], "Int64")})
    >>> heads, notes = headcount_checks(tl, pd.DataFrame({"team": ["A"] * 3, "form": ["psw"] * 3}))
    >>> heads["n_psw_expected"].tolist(), len(notes)
    ([<NA>, 3], 2)
    """
    heads = team_list.copy()
    warnings = []
    if counts is None:
        counts = pd.crosstab(data["team"].astype(str), data["form"].astype(str))
    counts = counts.reindex(index=heads["team"].astype(str), fill_value=0)
    for form, col in HEADCOUNT_COLUMNS.items():
        got = counts[form].to_numpy() if form in counts else np.zeros(len(heads), dtype=int)
        over = (heads[col] < got).fillna(False).to_numpy(dtype=bool)
        warnings += summarised(
            [f"team {heads['team'].iloc[k]!r} has {got[k]} {form} responses but the team list "
             f"says {col} = {heads[col].iloc[k]}: its response rate would be above 100 % and is "
             "not shown; correct the headcount" for k in np.flatnonzero(over)],
            f"teams with fewer {col} than {form} responses kept: their rates (above 100 %) "
            "are not shown; correct the headcounts")
        heads.loc[over, col] = pd.NA
    answered = set(counts.index[counts.sum(axis=1).to_numpy() > 0])
    silent = [t for t in heads["team"].astype(str) if t not in answered]
    if silent:
        warnings.append(f"{len(silent)} listed team(s) have no responses: "
                        f"{', '.join(repr(t) for t in silent[:5])}"
                        + (" ..." if len(silent) > 5 else ""))
    return heads, warnings


def _parent_path(value, above: dict, source, row) -> str | None:
    """A team's parent path as ``"Outer > Inner"``, checked against the paths already read: one
    parent name (by key) has one path above it throughout the list."""
    if value is None or str(value).strip() == "":
        return None
    levels = PARENT_SEPARATOR.split(str(value).strip())
    if any(not team_key(level) for level in levels):
        raise CoproError(f"parent {str(value)[:60]!r} has a level with no letters or digits",
                         file=source, row=row, column="parent")
    for depth, level in enumerate(levels):
        path = tuple(team_key(x) for x in levels[:depth])
        _name, seen, first = above.setdefault(team_key(level), (level, path, row))
        if seen != path:
            raise CoproError(f"parent {level!r} sits under {' > '.join(levels[:depth]) or 'nothing'}"
                             f" here but elsewhere under another parent (row {first})",
                             file=source, row=row, column="parent")
    return " > ".join(above[team_key(level)][0] for level in levels)


def read_team_list(path, encoding: str | None = None, sheet=None) -> TeamList:
    """Read a team list: a CSV with columns ``team``, optional ``aliases`` (separated by ``;``
    or ``|``), optional headcounts ``n_psw_expected`` and ``n_colleague_expected`` (also
    accepted as ``psw`` / ``colleagues``) and an optional ``parent``: the service line or
    directorate the team belongs to, nested levels outermost first and separated by ``>``
    (``Acute > Psychosis Service``).

    Raises
    ------
    CoproError
        For a missing file or ``team`` column, a blank or repeated team, an alias naming two
        teams, a headcount that is not a whole number, or a parent that is also a team or sits
        under two different parents; naming file, row and column.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "teams.csv")
    >>> _ = open(p, "w").write("team,aliases,psw\\nPsychosis Service,Psychosis Svc;EIP,2\\n")
    >>> tl = read_team_list(p)
    >>> tl.match("psychosis svc"), tl.headcounts["n_psw_expected"].tolist()
    ('Psychosis Service', [2])
    """
    if isinstance(path, TeamList):
        return path
    path = Path(path)
    rows = _read_rows(path, encoding, sheet)
    if not rows:
        raise CoproError("team list is empty", file=path, row=1)
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    if "team" not in header:
        raise CoproError("team list needs a 'team' column", file=path, row=1)
    names = {"team": "team", "aliases": "aliases", "alias": "aliases", "parent": "parent"}
    names.update({k: HEADCOUNT_COLUMNS[v] for k, v in _HEADCOUNT_NAMES.items()})
    records = []
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            records.append(None)
            continue
        records.append({names[h]: v for h, v in zip(header, r) if h in names})
    kept = [(k, rec) for k, rec in enumerate(records, start=2) if rec is not None]
    try:
        return TeamList.from_records([rec for _, rec in kept], source=str(path))
    except CoproError as exc:  # the row in the file, counting blank lines
        if exc.row is not None and exc.row - 2 < len(kept):
            exc = CoproError(exc.message, file=path, row=kept[exc.row - 2][0], column=exc.column)
        raise exc from None


@dataclass
class TeamNames:
    """How each distinct team name was resolved, and what a person should look at."""

    canonical: dict  # name as written -> team (None: unknown to the team list)
    warnings: list


def resolve_teams(names: list[str], counts: list[int], teams: TeamList | None = None) -> TeamNames:
    """Resolve distinct team names (with their row counts) to teams.

    Examples
    --------
    >>> r = resolve_teams(["Psychosis Service", "psychosis service ", "Psychosis Svc"], [5, 3, 3])
    >>> r.canonical["psychosis service "], r.canonical["Psychosis Svc"]
    ('Psychosis Service', 'Psychosis Svc')
    >>> len(r.warnings)
    2
    """
    warnings = [f"team {n!r} ({c} rows) may be a missing value written as text; it is kept as a "
                "team name" for n, c in zip(names, counts) if n.strip().lower() in SUSPECT_NAMES]
    if teams is not None:
        out = {n: teams.match(n) for n in names}
        unknown = sorted(((c, n) for n, c in zip(names, counts) if out[n] is None), reverse=True)
        for c, n in unknown[:MAX_NAMED]:  # the most frequent first; the rest summarised
            hint = teams.closest(n)
            warnings.append(f"team {n[:60]!r} ({c} rows) is not in the team list"
                            + (f"; closest listed team: {hint!r}" if hint else "")
                            + ": excluded as unknown_team (add it as an alias to keep it)")
        if len(unknown) > MAX_NAMED:
            rest = unknown[MAX_NAMED:]
            warnings.append(f"... and {len(rest):,} more names ({sum(c for c, _ in rest):,} rows) "
                            "not in the team list, excluded as unknown_team: the exclusion log "
                            "(--exclusions) lists every row")
        return TeamNames(out, warnings)
    keys = [key or n for key, n in zip(team_keys(names), names)]
    if len(set(keys)) == len(names):  # no two names are one team: nothing to merge
        return TeamNames(dict(zip(names, names)), warnings + near_duplicates(sorted(names)))
    groups: dict[str, list[tuple[int, int, str]]] = {}
    for k, (n, c, key) in enumerate(zip(names, counts, keys)):
        groups.setdefault(key, []).append((-c, k, n))
    out, merged = {}, []
    for members in groups.values():
        members.sort()
        chosen = members[0][2]
        for _, _, n in members:
            out[n] = chosen
        if len(members) > 1:
            shown = " + ".join(f"{n!r} ({-c})" for c, _, n in members)
            merged.append(f"team names {shown} differ only in case, spacing or punctuation: "
                          f"merged as {chosen!r}")
    warnings += summarised(merged, "groups of team names that differ only in case, spacing or "
                           "punctuation, each merged under its most frequent spelling")
    warnings += near_duplicates(sorted(set(out.values())))
    return TeamNames(out, warnings)


def summarised(lines: list[str], what: str) -> list[str]:
    """The first :data:`MAX_NAMED` of ``lines``, and one line counting the rest (``what``).

    Examples
    --------
    >>> summarised([f"w{k}" for k in range(12)], "warnings")[-1]
    '... and 2 more warnings'
    """
    if len(lines) <= MAX_NAMED:
        return lines
    return [*lines[:MAX_NAMED], f"... and {len(lines) - MAX_NAMED:,} more {what}"]


def near_duplicates(teams: list[str]) -> list[str]:
    """Warnings for pairs of team names that look like one team typed two ways.

    Names that differ only in their digits ("Ward 1", "Ward 2") are not listed.

    Examples
    --------
    >>> near_duplicates(["Psychosis Service", "Psychosis Svc", "Ward 1", "Ward 2"])
    ["team names 'Psychosis Service' and 'Psychosis Svc' look alike: one team? If so, list one as an alias of the other (--teams)"]
    """
    if len(teams) > MAX_NEAR_NAMES:
        return [(f"{len(teams)} distinct team names: too many to look for near-duplicates; "
                "pass a team list (--teams) to match names")]
    from rapidfuzz import fuzz, process

    keys = [team_key(t) for t in teams]
    digitless = [re.sub(r"[0-9]", "", k) for k in keys]
    # one C++ pass over every pair (the Indel ratio difflib's SequenceMatcher.ratio measures)
    alike = process.cdist(keys, keys, scorer=fuzz.ratio, score_cutoff=NEAR_RATIO * 100,
                          dtype="uint8", workers=-1)
    out = []
    for i, j in zip(*alike.nonzero()):
        if i < j and digitless[i] != digitless[j]:
            out.append(f"team names {teams[i]!r} and {teams[j]!r} look alike: one team? If so, "
                       "list one as an alias of the other (--teams)")
    return summarised(out, "pairs of team names that look alike: pass a team list (--teams) "
                      "with one of each pair as an alias of the other, or correct the names")
