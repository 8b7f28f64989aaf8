"""The validation's published files: ``validation.json`` and a self-contained ``validation.html``."""

from __future__ import annotations

import json
from pathlib import Path

from .. import __version__
from ..instrument import Instrument
from ..privacy import MEAN_DECIMALS, PRECISION, published_validation
from ..psychometrics._result import Result


def write_validation(result, out_dir: str | Path, *, instrument: Instrument,
                     input_hash: str) -> dict[str, Path]:
    """Write ``validation.json`` and ``validation.html`` into ``out_dir``, replaced whole.

    ``result`` is the :class:`~copro_scale.validate.ValidationResult` of the run, whose figures
    the disclosure plan already chose (``copro_scale.validate.validate(..., plan=plan)``); both
    files carry them at the published precision (:func:`copro_scale.privacy.published_validation`).
    """
    from ..outputs import write_folder

    doc = result.to_dict() if isinstance(result, Result) else result
    doc = rounded_figures(published_validation(doc), MEAN_DECIMALS)
    return write_folder(Path(out_dir), "validation", lambda d: _write(doc, d, instrument, input_hash))


def rounded_figures(doc: dict, decimals: int) -> dict:
    """Every float of ``doc`` to ``decimals`` places, the ``cutoffs`` block (criteria) excepted.

    ``meta.precision`` states the decimals of the published figures; alphas, inter-item
    correlations, ICCs and rwg summaries printed to 16 digits would state more than that about
    the respondents. Integers (counts), strings and None are kept.

    Examples
    --------
    >>> rounded_figures({"alpha": 0.92733, "n": 12, "ci": [0.865, None],
    ...                  "cutoffs": {"ad_j": {"max": 0.8333}}}, 2)
    {'alpha': 0.93, 'n': 12, 'ci': [0.86, None], 'cutoffs': {'ad_j': {'max': 0.8333}}}
    """
    def walk(node):
        if isinstance(node, float):
            return round(node, decimals)
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return {k: (v if k == "cutoffs" else walk(v)) for k, v in doc.items()}


def _write(result: dict, out_dir: Path, instrument: Instrument, input_hash: str) -> dict[str, Path]:
    from ..render import render_template
    from .validation_page import validation_context

    meta = {"instrument": instrument.name, "instrument_version": instrument.version,
            "package_version": __version__, "input_sha256": input_hash, "precision": PRECISION}
    doc = {"meta": meta, **result}
    pj = out_dir / "validation.json"
    pj.write_text(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n",
                  encoding="utf-8")
    ph = out_dir / "validation.html"
    ph.write_text(render_template("validation.html", **validation_context(doc, instrument)),
                  encoding="utf-8")
    return {"json": pj, "html": ph}
