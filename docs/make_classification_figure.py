"""Draw the figures of docs/classification.md: the typology's regions and the reliability diagram.

    .venv/bin/python docs/make_classification_figure.py            # both figures
    .venv/bin/python docs/make_classification_figure.py --regions  # the regions only (fast)

Writes ``docs/classification_regions.svg`` (the face space cut along the typology plane and
across it, with the prototypes, the regions and the extreme teams) and
``docs/classification_reliability.svg`` (over the simulator's robustness grid, and over
teams spread across the face space, where many sit near a boundary). Plain SVG, no
plotting library: each figure has a <title> and <desc>.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from copro_scale.instrument import FACES, TYPES
from copro_scale.simulate import MIXED_PROFILE
from copro_scale.typology import OUTCOMES, Typology

HERE = Path(__file__).resolve().parent
COLOURS = {"neutralized": "#f2c14e", "enhanced": "#6bbf8a", "tokenistic": "#e07a6b",
           "mixed": "#b8b8d8", "outside": "#ffffff"}
EXTREMES = [(4.96, 4.99, 4.96), (1.01, 1.43, 1.10), (4.79, 4.73, 4.86)]


def plane_axes(t: Typology):
    """In-plane unit axes: 'overall level' (the plane's direction nearest to 1,1,1) and
    'non-decision-making relative to the others' (perpendicular to it, in the plane)."""
    g = np.ones(3) / np.sqrt(3)
    a1 = g - (g @ t.normal) * t.normal
    a1 /= np.linalg.norm(a1)
    a2 = np.cross(t.normal, a1)
    if a2[1] < 0:
        a2 = -a2
    return a1, a2


def runs(codes: np.ndarray):
    """Runs of equal codes along a row: (start, length, code)."""
    start = 0
    for j in range(1, len(codes) + 1):
        if j == len(codes) or codes[j] != codes[start]:
            yield start, j - start, codes[start]
            start = j


def panel(x0, y0, w, h, points, xlim, ylim, nx, ny, t, title, xlabel, ylabel):
    """One raster panel: ``points(u, v)`` maps panel coordinates to face profiles."""
    us = np.linspace(*xlim, nx)
    vs = np.linspace(*ylim, ny)
    U, V = np.meshgrid(us, vs)
    prof = points(U, V)
    code = t.outcome(prof)
    inside = ((prof >= 1) & (prof <= 5)).all(axis=-1)
    names = np.array([*OUTCOMES], dtype=object)[code]
    names = np.where(inside, names, "outside")
    cw, ch = w / nx, h / ny
    cid = f"clip{x0}"
    out = [f'<defs><clipPath id="{cid}"><rect x="{x0}" y="{y0}" width="{w}" height="{h}"/>'
           f'</clipPath></defs><g><title>{title}</title><g clip-path="url(#{cid})">']
    for i in range(ny):
        yy = y0 + h - (i + 1) * ch
        for s, n, name in runs(names[i]):
            out.append(f'<rect x="{x0 + s * cw:.1f}" y="{yy:.1f}" width="{n * cw + 0.4:.1f}" '
                       f'height="{ch + 0.8:.1f}" fill="{COLOURS[name]}"/>')
    out.append("</g>")
    out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#333"/>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 - 8}" text-anchor="middle" font-weight="bold">'
               f'{title}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle">{xlabel}</text>')
    out.append(f'<text transform="translate({x0 - 40},{y0 + h / 2}) rotate(-90)" '
               f'text-anchor="middle">{ylabel}</text>')
    for v in np.arange(np.ceil(xlim[0]), xlim[1] + 1e-9):
        px = x0 + (v - xlim[0]) / (xlim[1] - xlim[0]) * w
        out.append(f'<text x="{px:.1f}" y="{y0 + h + 16}" text-anchor="middle" '
                   f'font-size="11">{v:g}</text>')
    for v in np.arange(np.ceil(ylim[0]), ylim[1] + 1e-9):
        py = y0 + h - (v - ylim[0]) / (ylim[1] - ylim[0]) * h
        out.append(f'<text x="{x0 - 6}" y="{py + 4:.1f}" text-anchor="end" '
                   f'font-size="11">{v:g}</text>')
    out.append("</g>")

    def to_px(u, v):
        return (x0 + (u - xlim[0]) / (xlim[1] - xlim[0]) * w,
                y0 + h - (v - ylim[0]) / (ylim[1] - ylim[0]) * h)
    return out, to_px, cid


def regions_svg(t: Typology) -> str:
    a1, a2 = plane_axes(t)
    c = t.origin
    W, H = 980, 500
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
             f'aria-labelledby="t d" font-family="sans-serif" font-size="13">',
             '<title id="t">Regions of the co-production typology in face space</title>',
             '<desc id="d">Left: the plane through the three prototypes, coloured by the outcome '
             'of a profile on it. Each type owns its prototype and everything beyond it, away '
             'from the other types; mixed lies beyond the enhanced-tokenistic edge, far from '
             'both. Right: a cut across the plane along the tokenistic-to-enhanced line; '
             'profiles more than max_distance off the plane (decision-making far from '
             'ideological) are mixed. The neutralized prototype lies off this cut (hollow). White: outside the 1-5 scale.</desc>']
    left, to_l, clip_l = panel(70, 40, 400, 360, lambda u, v: c + u[..., None] * a1 + v[..., None] * a2,
                       (-4, 4), (-3, 3.2), 200, 160, t, "On the typology plane",
                       "overall level (along the plane)",
                       "non-decision-making relative to the others")
    parts += left
    for k, name in enumerate(TYPES):
        p = t.prototypes[k]
        u, v = (p - c) @ a1, (p - c) @ a2
        x, y = to_l(u, v)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#111"/>'
                     f'<text x="{x + 8:.1f}" y="{y - 6:.1f}" font-weight="bold">{name}</text>')
        for ray in t.rays[k]:  # wedge boundaries, drawn from the prototype outwards
            r3 = ray[0] * t.basis[:, 0] + ray[1] * t.basis[:, 1]
            e = p + 6 * r3
            x2, y2 = to_l((e - c) @ a1, (e - c) @ a2)
            parts.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                         f'stroke="#111" stroke-dasharray="4 3" clip-path="url(#{clip_l})"/>')
    for q in EXTREMES:
        q = np.array(q)
        x, y = to_l((q - c) @ a1, (q - c) @ a2)
        parts.append(f'<path d="M{x - 5:.1f},{y:.1f} h10 M{x:.1f},{y - 5:.1f} v10" '
                     'stroke="#000" stroke-width="2"/>')
    # right panel: the cut through the tokenistic and enhanced prototypes, across the plane
    tok = t.prototypes[TYPES.index("tokenistic")]
    te = t.prototypes[TYPES.index("enhanced")] - tok
    d = te / np.linalg.norm(te)  # in the plane already
    c = tok + 0.5 * te
    right, to_r, clip_r = panel(560, 40, 380, 360,
                        lambda u, v: c + u[..., None] * d + v[..., None] * t.normal,
                        (-3, 3), (-2.5, 2.5), 190, 160, t, "Across the plane",
                        "tokenistic to enhanced (along the plane)",
                        "off the plane: ideological minus decision-making")
    parts += right
    for k, name in enumerate(TYPES):
        p = t.prototypes[k]
        x, y = to_r((p - c) @ d, (p - c) @ t.normal)
        on = name != "neutralized"  # the cut holds tokenistic and enhanced, not neutralized
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{"#111" if on else "none"}" '
                     f'stroke="#111"/><text x="{x + (8 if on else -60):.1f}" y="{y + (-6 if on else 22):.1f}" '
                     f'font-weight="bold">{name if on else "neutralized (off this cut)"}</text>')
    m = np.array([MIXED_PROFILE[f] for f in FACES])
    x, y = to_r((m - c) @ d, (m - c) @ t.normal)
    parts.append(f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="#111"/>'
                 f'<text x="{x + 9:.1f}" y="{y + 4:.1f}">simulated mixed profile</text>')
    ly = H - 12
    for i, name in enumerate(["enhanced", "neutralized", "tokenistic", "mixed", "outside"]):
        lx = 70 + i * 130
        label = "outside 1-5" if name == "outside" else name
        parts.append(f'<rect x="{lx}" y="{ly - 11}" width="14" height="14" '
                     f'fill="{COLOURS[name]}" stroke="#333"/><text x="{lx + 20}" y="{ly}">'
                     f'{label}</text>')
    parts.append(f'<text x="{70 + 5 * 130}" y="{ly}">+ extreme teams; dashes: wedge edges</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def reliability_svg(series: list[tuple[str, pd.DataFrame, str, int]]) -> str:
    """Reliability diagram; ``series`` holds (label, reliability table, colour, teams)."""
    W, H, x0, y0, s = 460, 470, 60, 30, 320
    what = "; ".join(f"{lab} ({n} teams)" for lab, _, _, n in series)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
             'aria-labelledby="rt rd" font-family="sans-serif" font-size="13">',
             '<title id="rt">Reliability of the reported probability</title>',
             f'<desc id="rd">{what}. Per bin: mean probability of the most probable outcome (x) '
             'against the share of those teams whose most probable outcome was the truth (y); '
             'circle area grows with the number of teams. On the diagonal: calibrated; above it: '
             'conservative.</desc>',
             f'<rect x="{x0}" y="{y0}" width="{s}" height="{s}" fill="none" stroke="#333"/>']

    def px(p):
        return x0 + (p - 0.3) / 0.7 * s

    def py(a):
        return y0 + s - (a - 0.3) / 0.7 * s
    parts.append(f'<line x1="{px(0.3)}" y1="{py(0.3)}" x2="{px(1)}" y2="{py(1)}" '
                 'stroke="#777" stroke-dasharray="4 3"/>')
    for v in (0.4, 0.6, 0.8, 1.0):
        parts.append(f'<text x="{px(v):.1f}" y="{y0 + s + 16}" text-anchor="middle" '
                     f'font-size="11">{v:.1f}</text><text x="{x0 - 6}" y="{py(v) + 4:.1f}" '
                     f'text-anchor="end" font-size="11">{v:.1f}</text>')
    for i, (label, rel, colour, n) in enumerate(series):
        for r in rel[(rel["n"] > 0) & (rel["accuracy"] >= 0.3)].itertuples():
            rad = 2 + 3 * np.log10(1 + r.n)
            shape = (f'<circle cx="{px(r.mean_probability):.1f}" cy="{py(r.accuracy):.1f}" '
                     f'r="{rad:.1f}"' if i == 0 else
                     f'<rect x="{px(r.mean_probability) - rad:.1f}" '
                     f'y="{py(r.accuracy) - rad:.1f}" width="{2 * rad:.1f}" height="{2 * rad:.1f}"')
            parts.append(f'{shape} fill="{colour}" fill-opacity="0.6"><title>{label}, '
                         f'{r.lo:.2f}-{r.hi:.2f}: {r.n} teams, mean p {r.mean_probability:.3f}, '
                         f'right {r.accuracy:.3f}</title>{"</circle>" if i == 0 else "</rect>"}')
        ly = y0 + s + 60 + 20 * i
        mark = (f'<circle cx="{x0 + 6}" cy="{ly - 4}" r="6"' if i == 0 else
                f'<rect x="{x0}" y="{ly - 10}" width="12" height="12"')
        parts.append(f'{mark} fill="{colour}" fill-opacity="0.6"/>'
                     f'<text x="{x0 + 18}" y="{ly}">{label} ({n} teams)</text>')
    parts.append(f'<text x="{x0 + s / 2}" y="{y0 + s + 34}" text-anchor="middle">'
                 'reported probability</text>')
    parts.append(f'<text transform="translate({x0 - 40},{y0 + s / 2}) rotate(-90)" '
                 'text-anchor="middle">share right</text></svg>')
    return "\n".join(parts)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", action="store_true", help="draw the regions only")
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args(argv)
    t = Typology.from_instrument()
    (HERE / "classification_regions.svg").write_text(regions_svg(t), encoding="utf-8")
    if not args.regions:
        import sys
        sys.path.insert(0, str(HERE.parent / "benchmarks"))
        from bench_classify import spread_records
        from copro_scale.plan import recovery_records, reliability_table, robustness_settings
        grid = pd.concat([recovery_records(60, 8, 2, reps=args.reps, seed=1000, **kw)
                          for kw in robustness_settings().values()], ignore_index=True)
        spread = spread_records(5 * args.reps, 2000)
        series = [("simulator robustness grid", reliability_table(grid), "#2b6cb0", len(grid)),
                  ("teams spread over the face space", reliability_table(spread), "#c05621",
                   len(spread))]
        (HERE / "classification_reliability.svg").write_text(reliability_svg(series),
                                                               encoding="utf-8")
        for label, rel, _, _ in series:
            print(label)
            print(rel.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
