"""Small text helpers the exports share: CSV/TSV writing and HTML paragraphs."""

from __future__ import annotations

import csv
import io
from html import escape
from typing import Iterable, Sequence


def write_delimited(header: Sequence[str], rows: Iterable[Sequence], *, delimiter: str = ",",
                    bom: bool = False) -> str:
    """Rows as CSV (or TSV) text with ``\\n`` line ends, quoting only where needed.

    Examples
    --------
    >>> write_delimited(["a", "b"], [[1, "x, y"]])
    'a,b\\n1,"x, y"\\n'
    """
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    return ("\ufeff" if bom else "") + buf.getvalue()


def html_paragraphs(paragraphs: Iterable[str]) -> str:
    """Plain-text paragraphs as escaped ``<p>`` elements on one line.

    Examples
    --------
    >>> html_paragraphs(["a < b", "c"])
    '<p>a &lt; b</p><p>c</p>'
    """
    return "".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs)
