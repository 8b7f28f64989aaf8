"""The instrument's validation battery: ``copro validate INPUT -o DIR``.

Composes :mod:`copro_scale.psychometrics` (which knows nothing about this instrument) into the
checks a psychometrician asks of the PCP-PSW, per form:

* reliability (alpha with Feldt CI, item statistics, mean inter-item r) of every cell, face and
  construct score, and omega for the whole form;
* KMO and Bartlett's test; parallel analysis and Velicer's MAP; an EFA with the number of factors
  parallel analysis suggests;
* CFA of the competing structures - nine correlated cells, three faces, three constructs, and a
  bifactor model (a general factor beside the nine cells) - in one comparison table;
* invariance between the PSW and colleague forms (configural, metric, scalar, with delta CFI and
  delta RMSEA), on the nine-cell model;
* team agreement (ICC(1), ICC(2), rwg(j), AD(j)) of the face scores, over teams that reach the
  anonymity threshold only.

Each figure is set against the conventional cut-off of ``CUTOFFS`` (docs/cutoffs.md) and gets a
verdict that says what it means for using the scores. Models are estimated only where the sample
allows (COSMIN: n >= 5 x items is "adequate"); otherwise the battery says so instead of printing
an unstable number. A model that does not converge is reported as such.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .errors import CoproError
from .instrument import CONSTRUCTS, FACES, FORMS, Instrument, cell_name
from .privacy import DisclosurePlan, check_threshold, plan_for
from .psychometrics._result import Result
from .cutoffs import CUTOFFS, alpha_verdict
from .psychometrics import (
    bartlett,
    correlation,
    efa,
    jsonable,
    kmo,
    omega,
    parallel_analysis,
    reliability,
    team_agreement,
    velicer_map,
)
from .validate_cfa import (
    DEFAULT_ESTIMATOR,
    ESTIMATORS,
    cfa_models,
    cfa_table,
    check_estimator,
    estimation,
    form_invariance,
    usable_sample,
)

__all__ = ["validate", "ValidationSettings", "ValidationResult", "cfa_models", "write_validation"]

# -- the battery -------------------------------------------------------------------------------
#: Fewest responses a form, and answers an item, need before the battery and its factor steps run.
MIN_ANSWERS_PER_ITEM = 10


@dataclass(frozen=True)
class ValidationSettings:
    """How the battery runs; ``estimator`` picks the CFA estimator and its missing-data rule."""

    #: The reporting threshold; None means the instrument's (never below it).
    min_responses: int | None = None
    #: Simulated data sets of parallel analysis.
    n_iter: int = 100
    seed: int = 0
    #: Correlations of the reliability and exploratory steps (psych: pairwise).
    nan_policy: str = "pairwise"
    #: CFA and invariance estimator (see :mod:`copro_scale.validate_cfa`).
    estimator: str = DEFAULT_ESTIMATOR

    def __post_init__(self):
        check_estimator(self.estimator)


@dataclass(repr=False)
class ValidationResult(Result):
    """The battery's findings; ``to_dict()`` is what validation.json holds."""

    cutoffs: dict
    estimation: dict
    sample: dict
    models: dict
    forms: dict
    invariance: dict
    agreement: dict

    def to_frame(self) -> pd.DataFrame:
        """One row per form and scale: n, alpha with its interval, and the verdict."""
        rows = [{"form": form, **{k: r.get(k) for k in ("scale", "kind", "n_items", "n", "alpha",
                                                         "std_alpha", "mean_inter_item_r", "verdict")},
                 "alpha_ci_lower": (r.get("alpha_ci") or [None, None])[0],
                 "alpha_ci_upper": (r.get("alpha_ci") or [None, None])[1]}
                for form, sec in self.forms.items() for r in sec.get("reliability", [])]
        return pd.DataFrame(rows)


def _scale_reliability(x: pd.DataFrame, name: str, kind: str, nan_policy: str) -> dict:
    try:
        res = reliability(x, nan_policy=nan_policy)
    except CoproError as exc:  # e.g. an item everyone answered alike on this form
        return {"scale": name, "kind": kind, "n_items": x.shape[1], "n": int(len(x)), "alpha": None,
                "alpha_ci": [None, None], "mean_inter_item_r": None, "mean_r_in_range": True,
                "items_below_r_drop": [], "verdict": "n/a",
                "meaning": f"Not estimable: {exc.message}"}
    r, _n = correlation(x, nan_policy)
    iu = np.triu_indices_from(r, k=1)
    mean_r = float(np.nanmean(np.asarray(r)[iu]))
    verdict, meaning = alpha_verdict(res.alpha)
    low_items = [str(i) for i, v in res.item_stats["r_drop"].items() if v < CUTOFFS["r_drop"]["min"]]
    return {
        "scale": name,
        "kind": kind,
        "n_items": x.shape[1],
        "n": int(res.n_obs),
        "alpha": res.alpha,
        "alpha_ci": res.alpha_ci,
        "std_alpha": res.std_alpha,
        "mean_inter_item_r": mean_r,
        "mean_r_in_range": CUTOFFS["mean_inter_item_r"]["min"] <= mean_r <= CUTOFFS["mean_inter_item_r"]["max"],
        "items_below_r_drop": low_items,
        "verdict": verdict,
        "meaning": meaning,
        "item_stats": res.item_stats,
    }


def _efa_summary(x: pd.DataFrame, n_factors: int, nan_policy: str) -> dict:
    res = efa(x, n_factors, method="minres", rotation="oblimin", nan_policy=nan_policy)
    lam = res.loadings.abs()
    order = np.sort(lam.to_numpy(), axis=1)[:, ::-1]
    primary = order[:, 0]
    second = order[:, 1] if lam.shape[1] > 1 else np.zeros(len(lam))
    c = CUTOFFS["loading"]
    weak = lam.index[primary < c["min"]].tolist()
    cross = lam.index[(second >= c["cross_max"]) & (primary - second < c["gap"])].tolist()
    return {
        "n_factors": n_factors,
        "converged": res.converged,
        "warning": res.warning,
        "loadings": res.loadings,
        "phi": res.phi,
        "weak_items": weak,
        "cross_loading_items": cross,
        "meaning": (
            f"{len(weak)} item(s) load below .40 on every factor and {len(cross)} cross-load "
            "(second loading >= .30 within .20 of the first)."
        ),
    }


def _factor_steps(x: pd.DataFrame, settings: ValidationSettings) -> dict:
    """Omega, KMO, Bartlett, parallel analysis, MAP and the EFA of one form."""
    om = omega(x, n_factors=3, nan_policy=settings.nan_policy)
    km, bt = kmo(x, nan_policy=settings.nan_policy), bartlett(x, nan_policy=settings.nan_policy)
    pa = parallel_analysis(x, n_iter=settings.n_iter, seed=settings.seed, nan_policy=settings.nan_policy)
    mp = velicer_map(x, nan_policy=settings.nan_policy)
    good = km.overall >= CUTOFFS["kmo"]["min"]
    return {
        "omega": {"omega_h": om.omega_h, "omega_total": om.omega_total, "alpha": om.alpha,
                  "n_factors": 3, "warning": om.warning},
        "kmo": {"overall": km.overall, "per_item": km.per_item,
                "verdict": "good" if km.overall >= CUTOFFS["kmo"]["good"] else "meets" if good else "below",
                "meaning": "Items share enough variance for factor analysis." if good
                else "Items share too little variance for a stable factor analysis."},
        "bartlett": {"chi2": bt.chi2, "df": bt.df, "pvalue": bt.pvalue,
                     "verdict": "meets" if bt.pvalue < CUTOFFS["bartlett_pvalue"]["max"] else "below"},
        "parallel_analysis": {"n_factors": pa.n_factors, "eigenvalues": pa.eigenvalues, "n_iter": pa.n_iter},
        "map": {"n_factors": mp.n_factors},
        "efa": _efa_summary(x, max(1, int(pa.n_factors)), settings.nan_policy),
    }


def validate(responses, settings: ValidationSettings = ValidationSettings(), *,
             plan: DisclosurePlan | None = None) -> ValidationResult:
    """Run the validation battery.

    Parameters
    ----------
    responses : Responses
        As :func:`copro_scale.read_responses` returns them. Items are reverse-keyed (high =
        favourable) and responses flagged as careless (straight-lining, long strings, speeding)
        are left out, since they distort correlations; the result says how many.
    settings : ValidationSettings
    plan : DisclosurePlan, optional
        The run's disclosure plan (default: :func:`copro_scale.privacy.plan_for` the responses).
        The battery analyses the plan's organisation respondents only, the same ones the
        report's organisation figures pool; per-form statistics only where the plan allows them.

    Returns
    -------
    ValidationResult
        Results per form, the invariance test between forms, team agreement, the sample
        accounting, how the models were estimated and the cut-offs used; ``to_dict()`` gives
        them as JSON-serialisable Python, ``to_frame()`` the reliability table.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> out = validate(read_responses(simulate(30, 8, seed=1).responses), ValidationSettings(n_iter=5))
    >>> out.forms["colleague"]["cfa_skipped"][:17]
    'CFA not estimated'
    """
    from .scoring import keyed_items

    instrument = responses.instrument
    settings = replace(settings, min_responses=check_threshold(instrument, settings.min_responses))
    keyed = keyed_items(responses)
    if plan is None:
        plan = plan_for(keyed, instrument, settings.min_responses)
    careless = responses.flags.any(axis=1).reindex(keyed.index, fill_value=False)
    rows = plan.validation_rows(keyed, careless)
    data = keyed[rows]
    ids = instrument.item_ids
    k = len(ids)
    models = cfa_models(instrument)
    out: dict[str, Any] = {"cutoffs": CUTOFFS, "estimation": estimation(settings.estimator),
                           "forms": {}, "models": models}
    out["sample"] = _sample(responses, keyed, careless, rows, plan)
    for form in FORMS:
        x = data.loc[data["form"] == form, ids].astype("float64")
        n = len(x)
        section: dict[str, Any] = {"n": n}
        out["forms"][form] = section
        if not plan.per_form_pools:
            section["skipped"] = ("withheld: " + plan.notes[-1])
            continue
        if n < max(MIN_ANSWERS_PER_ITEM, settings.min_responses):
            section["skipped"] = (f"only {n} responses on this form; the battery needs at least "
                                  f"{MIN_ANSWERS_PER_ITEM}")
            continue
        scales = []
        for c in CONSTRUCTS:
            for f in FACES:
                cols = [it.id for it in instrument.cell_items(c, f)]
                scales.append(_scale_reliability(x[cols], cell_name(c, f), "cell", settings.nan_policy))
        for f in FACES:
            cols = [it.id for it in instrument.items if it.face == f]
            scales.append(_scale_reliability(x[cols], f, "face", settings.nan_policy))
        for c in CONSTRUCTS:
            cols = [it.id for it in instrument.items if it.construct == c]
            scales.append(_scale_reliability(x[cols], c, "construct", settings.nan_policy))
        section["reliability"] = scales
        answered = x.notna().sum()
        sparse = answered[answered < MIN_ANSWERS_PER_ITEM]
        try:
            if len(sparse):
                raise CoproError(", ".join(f"item {i} has {int(v)} answers" for i, v in sparse.items())
                                 + f" (factor analysis needs at least {MIN_ANSWERS_PER_ITEM} an item)")
            section.update(_factor_steps(x, settings))
        except CoproError as exc:  # e.g. a singular correlation matrix in a small sample
            section["factor_skipped"] = (
                f"Factor analysis not estimable on this form (n = {n}, {k} items): {exc.message}"
            )
        except np.linalg.LinAlgError as exc:  # a pairwise matrix too far from positive definite
            section["factor_skipped"] = (
                f"Factor analysis not estimable on this form (n = {n}, {k} items): the pairwise "
                f"correlation matrix is numerically singular ({exc})")
        section["cfa_sample"] = usable_sample(x, settings.estimator)
        if section["cfa_sample"]["rating"] == "inadequate":
            section["cfa"] = []
            section["cfa_skipped"] = (
                f"CFA not estimated: {section['cfa_sample']['detail']} (COSMIN). Collect more "
                "responses on this form before judging its structure."
            )
        else:
            rows = x.dropna() if ESTIMATORS[settings.estimator] == "listwise" else x
            section["cfa"] = cfa_table(rows, models, settings.estimator)
    out["invariance"] = form_invariance(data, ids, models["nine cells"], settings.estimator)
    out["agreement"] = _agreement(data[data["team"].astype(str).isin(plan.visible_teams)],
                                  instrument, settings, len(plan.teams) - len(plan.visible_teams))
    return ValidationResult(**jsonable(out))


def _sample(responses, keyed: pd.DataFrame, careless: pd.Series, rows: pd.Series, plan) -> dict:
    """The accounting, without a count that would give a below-threshold group away."""
    org = keyed["team"].astype(str).isin(plan.organisation_teams)
    out = {"analysed": int(rows.sum()), "flagged_careless_left_out": int((org & careless & ~rows).sum()),
           "flagged_careless_kept": int((rows & careless).sum())}
    if plan.remainder_left_out:  # rows read minus the rest would be the hidden teams' count
        out["below_threshold_left_out"] = f"fewer than {plan.min_responses}"
    else:
        out.update(rows_read=int(responses.n_read), excluded=int(len(responses.exclusions)),
                   withheld=int((org & ~careless & ~rows).sum()))
    if out["flagged_careless_kept"]:
        out["note"] = (f"{out['flagged_careless_kept']} careless response(s) are kept: leaving out "
                       f"fewer than {plan.min_responses} would let them be worked out by "
                       "subtraction from the report's organisation figures.")
    return out


def _agreement(data: pd.DataFrame, inst: Instrument, settings: ValidationSettings,
               hidden: int) -> dict:
    sizes = data["team"].value_counts()
    shown = sizes.index[sizes >= settings.min_responses]
    hidden += int((sizes < settings.min_responses).sum())
    if len(shown) < 2:
        return {"skipped": f"fewer than two teams with at least {settings.min_responses} responses"}
    d = data[data["team"].isin(shown)]
    faces = {}
    for f in FACES:
        cols = [it.id for it in inst.items if it.face == f]
        res = team_agreement(d[cols].astype("float64"), d["team"])
        per = res.teams
        faces[f] = {
            "icc1": res.icc1,
            "icc2": res.icc2,
            "median_rwg_j": float(per["rwg_j"].median()),
            "share_rwg_j_meets": float((per["rwg_j"] >= CUTOFFS["rwg_j"]["min"]).mean()),
            "median_ad_j": float(per["ad_j"].median()),
            "share_ad_j_meets": float((per["ad_j"] <= CUTOFFS["ad_j"]["max"]).mean()),
        }
    return {"n_teams": int(len(shown)), "teams_below_threshold": hidden, "faces": faces,
            "note": "Per-team indices are summarised across teams; teams below the threshold are "
                    "left out and only counted."}


# -- output ---------------------------------------------------------------------------------------
def write_validation(result: ValidationResult, out_dir: Path, *, instrument: Instrument,
                     input_hash: str) -> dict[str, Path]:
    """Write ``validation.json`` and a self-contained ``validation.html`` into ``out_dir``.

    ``out_dir`` is replaced whole (see :func:`copro_scale.outputs.write_folder`).
    """
    from .outputs import write_folder

    result = result.to_dict() if isinstance(result, Result) else result
    return write_folder(out_dir, "validation", lambda d: _write_validation(
        result, d, instrument=instrument, input_hash=input_hash))


def _write_validation(result: dict, out_dir: Path, *, instrument: Instrument, input_hash: str) -> dict[str, Path]:
    from .render import render_template

    meta = {"instrument": instrument.name, "instrument_version": instrument.version,
            "package_version": __version__, "input_sha256": input_hash}
    doc = {"meta": meta, **result}
    pj = out_dir / "validation.json"
    pj.write_text(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    ph = out_dir / "validation.html"
    from .reports.validation_page import validation_context  # formatted for people

    ph.write_text(render_template("validation.html", **validation_context(doc, instrument)),
                  encoding="utf-8")
    return {"json": pj, "html": ph}


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
