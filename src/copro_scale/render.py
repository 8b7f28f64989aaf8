"""The one Jinja2 environment for every HTML output (reports, validation page, paper form).

Templates live in ``reports/templates/`` and ship as the package ``copro_scale.templates``.
Autoescape is always on, so team names, item texts and any free text are inert; templates hold
no arithmetic, only the number formatting filters below.
"""

from __future__ import annotations

import math
from functools import lru_cache

import jinja2


def _finite(value):
    """``value`` as a finite float; None when missing, NaN or infinite; the text otherwise."""
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(v) or math.isinf(v) else v


def fmt(value, digits: int = 2, missing: str = "–") -> str:
    """A number for display: fixed decimals, a real minus sign, a dash for missing.

    >>> fmt(-0.456), fmt(-0.001), fmt(None), fmt(float("nan"), missing="n/a")
    ('−0.46', '0.00', '–', 'n/a')
    """
    v = _finite(value)
    if not isinstance(v, float):
        return missing if v is None else v
    v = round(v, digits) + 0.0  # no "−0.00": a value that rounds to zero has no sign
    return f"{v:.{digits}f}".replace("-", "−")


def pct(value, digits: int = 0, missing: str = "–") -> str:
    """A proportion (0-1) as a percentage.

    >>> pct(0.756), pct(None)
    ('76%', '–')
    """
    v = _finite(value)
    if not isinstance(v, float):
        return missing if v is None else v
    return f"{100 * v:.{digits}f}%"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        # copro_scale.templates is mapped from reports/templates (pyproject); loading it as its own
        # package works both from a wheel and from an editable install.
        loader=jinja2.PackageLoader("copro_scale.templates", "."),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.filters["pct"] = pct
    from .reports.charts import PALETTE  # the pages' one palette (stylesheet and SVG)

    env.globals["palette"] = PALETTE
    return env


def render_template(name: str, **context) -> str:
    """Render ``reports/templates/<name>`` with ``context``."""
    return environment().get_template(name).render(**context)
