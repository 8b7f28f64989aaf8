"""Chart geometry and colours: every chart is computed here and drawn by the macros in
``report_charts.html``, which only draw.

Charts are HTML and CSS where they carry text (bars and intervals as percentages of a track), so
their words wrap and keep their size on a phone; SVG only draws shapes without text (type marks,
trend lines). Every chart carries its numbers as text beside it or in a table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


# PuOr-like anchors from 1 (constrained, orange) to 5 (favourable, purple).
_ANCHORS = np.array([[179, 88, 6], [241, 163, 64], [247, 247, 247], [153, 142, 195],
                     [84, 39, 136]], dtype=float)
#: Unfavourable, neutral and favourable shares in the item chart: each at least 3:1 against white
#: (WCAG 1.4.11 for graphics), with a white rule between adjacent segments.
UNFAVOURABLE, NEUTRAL, FAVOURABLE = "#b35806", "#767676", "#542788"
#: Ink, the team's mark and trend line, and the neutralized type's grey.
INK, TEAM, GREY = "#1a1a1a", "#1f4e9c", "#595959"
#: The one palette of the pages: the stylesheet's custom properties and the SVG marks read it.
PALETTE = {"ink": INK, "muted": "#4d4d4d", "line": "#8c8c8c", "soft": "#f2f2f2", "grid": "#c8c8c8",
           "link": TEAM, "team": TEAM, "unfav": UNFAVOURABLE, "neutral": NEUTRAL,
           "fav": FAVOURABLE, "grey": GREY}


# -- colour ------------------------------------------------------------------------------------
def _luminance(rgb: np.ndarray) -> float:
    c = rgb / 255.0
    c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours.

    Examples
    --------
    >>> round(contrast_ratio("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = (_luminance(np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)], float)) for h in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def heat_colour(value: float) -> tuple[str, str]:
    """Fill for a 1-5 score and the text colour (black or white) with the higher contrast.

    Examples
    --------
    >>> heat_colour(3.0)
    ('#f7f7f7', '#000000')
    """
    if value is None or not np.isfinite(value):
        return "#ffffff", "#000000"
    x = float(np.clip(value, 1, 5)) - 1
    i = min(int(x), 3)
    rgb = _ANCHORS[i] + (x - i) * (_ANCHORS[i + 1] - _ANCHORS[i])
    fill = "#" + "".join(f"{int(round(v)):02x}" for v in rgb)
    text = max(("#000000", "#ffffff"), key=lambda t: contrast_ratio(fill, t))
    return fill, text


def level_word(value: float) -> str:
    """A word for a 1-5 score so that colour is never the only signal.

    Examples
    --------
    >>> level_word(2.0), level_word(3.0), level_word(4.2)
    ('constrained', 'in between', 'favourable')
    """
    if value is None or not np.isfinite(value):
        return "no data"
    return "constrained" if value < 2.5 else ("favourable" if value > 3.5 else "in between")


# -- charts (geometry only; drawn by report_charts.html) --------------------------------------
def scale_position(value) -> float | None:
    """Position of a 1-5 score along a track, in percent (None when missing).

    Examples
    --------
    >>> scale_position(1), scale_position(3.5), scale_position(None)
    (0.0, 62.5, None)
    """
    if value is None or not np.isfinite(value):
        return None
    return round(float((np.clip(value, 1, 5) - 1) / 4 * 100), 1)


def interval_rows(rows: list[dict]) -> list[dict]:
    """Dot-and-interval geometry on the 1-5 scale, as percentages of a track.

    ``rows`` hold ``mean, lo, hi`` and optionally ``org``; each gets ``x`` (the dot), ``lo_x``
    and ``w`` (the interval bar) and ``org_x`` (the organisation marker).

    Examples
    --------
    >>> r = interval_rows([{"label": "Voice", "mean": 3.0, "lo": 2.5, "hi": 3.5, "org": 4.0}])[0]
    >>> r["x"], r["lo_x"], r["w"], r["org_x"]
    (50.0, 37.5, 25.0, 75.0)
    """
    out = []
    for r in rows:
        lo, hi = scale_position(r.get("lo")), scale_position(r.get("hi"))
        out.append(dict(r, x=scale_position(r.get("mean")), org_x=scale_position(r.get("org")),
                        lo_x=lo, w=None if lo is None or hi is None else round(hi - lo, 1)))
    return out


def keyed_shares(items: pd.DataFrame, reverse: pd.Series) -> pd.DataFrame:
    """Favourable, neutral and unfavourable shares of each item after keying.

    For a reverse-worded item agreeing describes a constraint, so its favourable share is the
    share that disagrees. ``items`` has ``disagree, neutral, agree``; ``reverse`` is aligned.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"disagree": [.1, .1], "neutral": [.2, .2], "agree": [.7, .7]})
    >>> keyed_shares(d, pd.Series([False, True]))[["unfavourable", "favourable"]].values.tolist()
    [[0.1, 0.7], [0.7, 0.1]]
    """
    rev = reverse.to_numpy(bool)
    dis, agr = items["disagree"].to_numpy(float), items["agree"].to_numpy(float)
    return items.assign(favourable=np.where(rev, dis, agr),
                        unfavourable=np.where(rev, agr, dis))


def share_bar(unfavourable: float, neutral: float, favourable: float) -> list[dict]:
    """Segments of a stacked bar (unfavourable left, favourable right) in percent of its width.

    Examples
    --------
    >>> [(s["kind"], s["w"]) for s in share_bar(.25, .25, .5)]
    [('unfavourable', 25.0), ('neutral', 25.0), ('favourable', 50.0)]
    """
    parts = [("unfavourable", unfavourable), ("neutral", neutral), ("favourable", favourable)]
    return [dict(kind=k, w=round(100 * float(np.nan_to_num(v)), 1)) for k, v in parts
            if np.nan_to_num(v) > 0]


def trend_chart(values: list, los: list | None = None, his: list | None = None, *,
                width: int = 160, height: int = 64, pad: int = 6) -> dict:
    """A small line of one score across waves (oldest first) on the 1-5 scale, without text,
    with each wave's 95% interval as a vertical bar.

    Missing waves (team not reported then) break the line. Returns the SVG size, the points
    (each with ``y_lo``, ``y_hi`` of its interval, or None) and the path.

    Examples
    --------
    >>> c = trend_chart([2.0, None, 4.0], [1.5, None, 3.5], [2.5, None, 4.5])
    >>> [p["x"] for p in c["points"]], c["path"]
    ([6.0, 154.0], 'M6.0,45.0 M154.0,19.0')
    >>> c["points"][0]["y_lo"], c["points"][0]["y_hi"]
    (51.5, 38.5)
    """
    n = len(values)
    los = los or [None] * n
    his = his or [None] * n
    xs = [pad + (width - 2 * pad) * (i / (n - 1) if n > 1 else 0.5) for i in range(n)]

    def y(v):
        return round(pad + (height - 2 * pad) * (5 - float(np.clip(v, 1, 5))) / 4, 1)

    points, path, pen = [], [], "M"
    for x, v, lo, hi in zip(xs, values, los, his):
        if v is None or not np.isfinite(v):
            pen = "M"
            continue
        ok = lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi)
        points.append(dict(x=round(x, 1), y=y(v), y_lo=y(lo) if ok else None,
                           y_hi=y(hi) if ok else None))
        path.append(f"{pen}{x:.1f},{y(v):.1f}")
        pen = "L"
    return dict(width=width, height=height, points=points, path=" ".join(path),
                grid=[dict(y=y(g)) for g in (1, 3, 5)])


#: A mark per outcome, so that a type is told by its shape and name, never by colour alone.
#: Paths on a 24 x 24 box; ``fill`` "none" draws an outline.
TYPE_MARKS = {
    "enhanced": dict(path="M12,2 L22,21 H2 Z", fill=FAVOURABLE),
    "neutralized": dict(path="M3,3 H21 V21 H3 Z", fill=GREY),
    "tokenistic": dict(path="M2,3 H22 L12,22 Z", fill=UNFAVOURABLE),
    "mixed": dict(path="M12,1 L23,12 L12,23 L1,12 Z", fill="none"),
    "indeterminate": dict(path="M12,3 A9,9 0 1,0 12.01,3 Z", fill="none"),
    "suppressed": dict(path="M3,3 H21 V21 H3 Z", fill="none", dash=True),
}
