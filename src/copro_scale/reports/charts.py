"""Chart geometry and colours: every chart is computed here as coordinates and drawn by the
macros in ``report_charts.html`` (which only draw). Each chart comes with a table of its numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..render import fmt, pct

# PuOr-like anchors from 1 (constrained, orange) to 5 (favourable, purple).
_ANCHORS = np.array([[179, 88, 6], [241, 163, 64], [247, 247, 247], [153, 142, 195],
                     [84, 39, 136]], dtype=float)
DISAGREE, NEUTRAL, AGREE = "#b35806", "#d9d9d9", "#542788"


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
def heatmap_chart(values: dict[str, float], rows: list[str], cols: list[str],
                  row_labels: dict, col_labels: dict, *, links: dict | None = None,
                  label_w: int = 150, cell_w: int = 165, cell_h: int = 44) -> dict:
    """Geometry of a heat map: ``values`` keyed ``"row|col"`` on the 1-5 scale.

    Examples
    --------
    >>> c = heatmap_chart({"a|x": 2.0}, ["a"], ["x"], {"a": "A"}, {"x": "X"})
    >>> c["cells"][0]["word"], c["width"]
    ('constrained', 315)
    """
    header = 36
    cells = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            v = values.get(f"{r}|{c}", np.nan)
            fill, text = heat_colour(v)
            cells.append(dict(x=label_w + j * cell_w, y=header + i * cell_h, w=cell_w - 2,
                              h=cell_h - 2, cx=label_w + j * cell_w + cell_w // 2,
                              cy=header + i * cell_h + cell_h // 2, fill=fill, text=text,
                              value=fmt(v), word=level_word(v),
                              title=f"{row_labels[r]}, {col_labels[c]}: {fmt(v)} ({level_word(v)})"))
    return dict(
        width=label_w + len(cols) * cell_w, height=header + len(rows) * cell_h,
        cells=cells,
        row_labels=[dict(x=label_w - 8, y=header + i * cell_h + cell_h // 2, text=row_labels[r],
                         href=(links or {}).get(r)) for i, r in enumerate(rows)],
        col_labels=[dict(x=label_w + j * cell_w + cell_w // 2, y=header - 12, text=col_labels[c])
                    for j, c in enumerate(cols)])


def interval_chart(rows: list[dict], *, label_w: int = 170, width: int = 620,
                   row_h: int = 30) -> dict:
    """Geometry of a dot-and-interval chart on the 1-5 scale, with an organisation marker.

    ``rows`` hold ``label, mean, lo, hi`` and optionally ``org``.

    Examples
    --------
    >>> c = interval_chart([{"label": "Voice", "mean": 3.0, "lo": 2.5, "hi": 3.5, "org": 4.0}])
    >>> c["rows"][0]["cx"] == (c["x0"] + c["x1"]) / 2
    True
    """
    x0, x1, top = label_w + 10, width - 20, 30

    def sx(v):
        if v is None or not np.isfinite(v):
            return None
        return round(float(x0 + (np.clip(v, 1, 5) - 1) / 4 * (x1 - x0)), 1)
    out = []
    for i, r in enumerate(rows):
        y = top + i * row_h + row_h // 2
        org = r.get("org")
        out.append(dict(label=r["label"], y=y, ty=y + 4, cx=sx(r["mean"]), lo=sx(r["lo"]),
                        hi=sx(r["hi"]), ox=sx(org) if org is not None else None,
                        op=None if org is None or not np.isfinite(org) else
                        f"M{sx(org)},{y - 7} l6,7 l-6,7 l-6,-7 z"))
    ticks = [dict(x=sx(v), label=str(v)) for v in (1, 2, 3, 4, 5)]
    return dict(width=width, height=top + len(rows) * row_h + 10, x0=x0, x1=x1, lx=label_w,
                rows=out, ticks=ticks, axis_y=top - 6, bottom=top + len(rows) * row_h)


def diverging_chart(items: pd.DataFrame, *, label_w: int = 70, width: int = 620,
                    row_h: int = 22) -> dict:
    """Geometry of item-level diverging bars: disagree left of centre, agree right.

    ``items`` has ``id, disagree, neutral, agree`` shares (0-1); the neutral share straddles the
    centre line.

    Examples
    --------
    >>> import pandas as pd
    >>> c = diverging_chart(pd.DataFrame({"id": ["a"], "disagree": [.2], "neutral": [.2],
    ...                                   "agree": [.6]}))
    >>> b = c["rows"][0]
    >>> b["ax"] == c["centre"] + b["nw"] / 2
    True
    """
    top = 28
    centre = label_w + (width - label_w) / 2
    half = (width - label_w - 50) / 2
    d = (np.nan_to_num(items["disagree"].to_numpy(float)) * half).tolist()
    n = (np.nan_to_num(items["neutral"].to_numpy(float)) * half).tolist()
    a = (np.nan_to_num(items["agree"].to_numpy(float)) * half).tolist()
    ys = (top + np.arange(len(items)) * row_h).tolist()
    rows = [dict(id=i, y=float(y), ty=float(y + row_h / 2 + 4), h=row_h - 4,
                 dx=round(centre - nw / 2 - dw, 1), dw=round(dw, 1),
                 nx=round(centre - nw / 2, 1), nw=round(nw, 1), ax=round(centre + nw / 2, 1),
                 aw=round(aw, 1), dlx=round(centre - nw / 2 - dw - 4, 1),
                 alx=round(centre + nw / 2 + aw + 4, 1), dp=pct(dp), ap=pct(ap))
            for i, y, dw, nw, aw, dp, ap in zip(items["id"], ys, d, n, a, items["disagree"],
                                                items["agree"])]
    return dict(width=width, height=int(top + len(items) * row_h + 8), centre=round(centre, 1),
                rows=rows, lx=label_w - 6, bottom=int(top + len(items) * row_h))


