"""Small text helpers the exports share: CSV/TSV writing and HTML paragraphs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from html import escape

from ..csvsafe import safe_text


def write_delimited(header: Sequence[str], rows: Iterable[Sequence], *, delimiter: str = ",",
                    bom: bool = False, keep: Sequence[str] = ()) -> str:
    """Rows as CSV (or TSV) text with ``\\n`` line ends, quoting only where needed.

    Text that a spreadsheet would run as a formula gets a leading ``'``
    (:func:`copro_scale.csvsafe.safe_text`), except in the columns named in ``keep``, whose
    content the platform needs as written (REDCap's ``@`` action tags).

    Examples
    --------
    >>> write_delimited(["a", "b"], [[1, "x, y"]])
    'a,b\\n1,"x, y"\\n'
    >>> write_delimited(["text", "tags"], [["=1+1", "@HIDDEN"]], keep=["tags"])
    "text,tags\\n'=1+1,@HIDDEN\\n"
    """
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow([safe_text(h) for h in header])
    kept = [h in keep for h in header]
    w.writerows([v if k or not isinstance(v, str) else safe_text(v) for v, k in zip(r, kept)]
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
