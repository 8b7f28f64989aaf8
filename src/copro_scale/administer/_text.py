"""Small text helpers the exports share: CSV/TSV writing and HTML paragraphs."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Iterable, Sequence

from ..csvsafe import neutralise


def write_delimited(header: Sequence[str], rows: Iterable[Sequence], *, delimiter: str = ",",
                    bom: bool = False, verbatim: Sequence[str] = ()) -> str:
    """Rows as CSV (or TSV) text with ``\\n`` line ends, quoting only where needed; every cell
    formula-safe (:func:`~copro_scale.csvsafe.neutralise`) except in the ``verbatim`` columns
    (REDCap's action tags, such as ``@DEFAULT``, are meant to start with ``@``).

    Examples
    --------
    >>> write_delimited(["a", "b"], [[1, "x, y"], ["=HYPERLINK(1)", 2]]).splitlines()
    ['a,b', '1,"x, y"', "'=HYPERLINK(1),2"]
    """
    keep = [h in verbatim for h in header]
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([neutralise(h) for h in header])
    w.writerows([c if k or not isinstance(c, str) else neutralise(c) for c, k in zip(r, keep)]
                for r in rows)
    return ("\ufeff" if bom else "") + buf.getvalue()


def html_paragraphs(paragraphs: Iterable[str]) -> str:
    """Plain-text paragraphs as escaped ``<p>`` elements on one line.

    Examples
    --------
    >>> html_paragraphs(["a < b", "c"])
    '<p>a &lt; b</p><p>c</p>'
    """
    return "".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
