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

Each figure is set against the conventional cut-off of ``CUTOFFS`` (field-facts.md) and gets a
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
from .psychometrics import (
    bartlett,
    cfa,
    correlation,
    efa,
    invariance,
    jsonable,
    kmo,
    omega,
    parallel_analysis,
    reliability,
    team_agreement,
    velicer_map,
)

#: Conventional cut-offs and their sources (../shared/design/field-facts.md).
CUTOFFS: dict[str, dict[str, Any]] = {
    "alpha": {"min": 0.70, "redundant_above": 0.95, "source": "Nunnally 1978; McNeish 2018"},
    "r_drop": {"min": 0.30, "source": "Nunnally & Bernstein 1994"},
    "mean_inter_item_r": {"min": 0.15, "max": 0.50, "source": "Clark & Watson 1995"},
    "kmo": {"min": 0.60, "good": 0.80, "source": "Kaiser 1974"},
    "bartlett_p": {"max": 0.05, "source": "Bartlett 1950"},
    "loading": {"min": 0.40, "cross_max": 0.30, "gap": 0.20, "source": "Hair et al. 2019"},
    "cfi": {"min": 0.95, "source": "Hu & Bentler 1999"},
    "tli": {"min": 0.95, "source": "Hu & Bentler 1999"},
    "rmsea": {"max": 0.06, "source": "Hu & Bentler 1999"},
    "srmr": {"max": 0.08, "source": "Hu & Bentler 1999"},
    "delta_cfi": {"max": 0.01, "source": "Cheung & Rensvold 2002; Chen 2007"},
    "delta_rmsea": {"max": 0.015, "source": "Chen 2007"},
    "cfa_n_per_item": {"adequate": 5, "very_good": 7, "very_good_min_n": 100, "source": "COSMIN (Mokkink et al. 2018)"},
    "icc1": {"small": 0.01, "medium": 0.10, "large": 0.25, "source": "Bliese 2000; LeBreton & Senter 2008"},
    "icc2": {"min": 0.70, "source": "LeBreton & Senter 2008"},
    "rwg_j": {"min": 0.70, "source": "James, Demaree & Wolf 1984; Lance et al. 2006"},
    "ad_j": {"max": 5 / 6, "source": "Burke & Dunlap 2002"},
}


def _latent(name: str) -> str:
    """A lavaan-safe latent variable name for a cell, face or construct."""
    return "".join(part.capitalize() for part in name.replace(".", "_").split("_"))


def cfa_models(inst: Instrument) -> dict[str, str]:
    """The competing measurement models, in lavaan syntax, built from the instrument."""
    cells = {}
    for c in CONSTRUCTS:
        for f in FACES:
            cells[cell_name(c, f)] = [it.id for it in inst.cell_items(c, f)]
    nine = "\n".join(f"{_latent(k)} =~ {' + '.join(v)}" for k, v in cells.items())
    faces = "\n".join(
        f"{_latent(f)} =~ {' + '.join(it.id for it in inst.items if it.face == f)}" for f in FACES
    )
    constructs = "\n".join(
        f"{_latent(c)} =~ {' + '.join(it.id for it in inst.items if it.construct == c)}"
        for c in CONSTRUCTS
    )
    # Bifactor alternative: a general factor over all items beside the nine cells, all
    # factors orthogonal (lavaan: orthogonal = TRUE), as a test of whether one overall score
    # would do. (Our CFA engine fits first-order models only, so no higher-order model.)
    latents = ["General"] + [_latent(k) for k in cells]
    bifactor = nine + "\nGeneral =~ " + " + ".join(inst.item_ids) + "\n" + "\n".join(
        f"{a} ~~ 0*{b}" for i, a in enumerate(latents) for b in latents[i + 1:]
    )
    return {
        "nine cells": nine,
        "three faces": faces,
        "three constructs": constructs,
        "bifactor (general + nine cells)": bifactor,
    }


# -- verdicts ---------------------------------------------------------------------------------
def _alpha_verdict(a: float | None) -> tuple[str, str]:
    if a is None or not np.isfinite(a):
        return "n/a", "Not estimable in this sample."
    if a < CUTOFFS["alpha"]["min"]:
        return "below", "Below .70: too much of this score is noise to compare individuals or small teams."
    if a > CUTOFFS["alpha"]["redundant_above"]:
        return "caution", "Above .95: items may be redundant; the score is reliable but narrow."
    return "meets", "Meets .70: reliable enough for group comparisons."


def _fit_verdict(fit: dict) -> tuple[str, str]:
    ok = (
        fit.get("cfi", 0) >= CUTOFFS["cfi"]["min"]
        and fit.get("tli", 0) >= CUTOFFS["tli"]["min"]
        and fit.get("rmsea", 1) <= CUTOFFS["rmsea"]["max"]
        and fit.get("srmr", 1) <= CUTOFFS["srmr"]["max"]
    )
    if ok:
        return "meets", "Meets Hu & Bentler's cut-offs: the structure is supported in this sample."
    return "below", "Misses at least one of CFI/TLI >= .95, RMSEA <= .06, SRMR <= .08: read scores built on this structure with care."


def _sample_rating(n: int, k: int) -> tuple[str, str]:
    c = CUTOFFS["cfa_n_per_item"]
    if n >= c["very_good"] * k and n >= c["very_good_min_n"]:
        return "very good", f"n = {n} >= 7 x {k} items"
    if n >= c["adequate"] * k:
        return "adequate", f"n = {n} >= 5 x {k} items"
    return "inadequate", f"n = {n} < 5 x {k} items = {c['adequate'] * k}"


# -- the battery -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ValidationSettings:
    #: The reporting threshold; None means the instrument's (never below it).
    min_responses: int | None = None
    n_iter: int = 100
    seed: int = 0
    nan_policy: str = "pairwise"


def _scale_reliability(x: pd.DataFrame, name: str, kind: str, nan_policy: str) -> dict:
    res = reliability(x, nan_policy=nan_policy)
    r, _n = correlation(x, nan_policy)
    iu = np.triu_indices_from(r, k=1)
    mean_r = float(np.nanmean(np.asarray(r)[iu]))
    verdict, meaning = _alpha_verdict(res.alpha)
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
        "bartlett": {"chi2": bt.chi2, "df": bt.df, "p": bt.p,
                     "verdict": "meets" if bt.p < CUTOFFS["bartlett_p"]["max"] else "below"},
        "parallel_analysis": {"n_factors": pa.n_factors, "eigenvalues": pa.eigenvalues, "n_iter": pa.n_iter},
        "map": {"n_factors": mp.n_factors},
        "efa": _efa_summary(x, max(1, int(pa.n_factors)), settings.nan_policy),
    }


def _cfa_table(x: pd.DataFrame, models: dict[str, str]) -> list[dict]:
    rows = []
    for name, syntax in models.items():
        res = cfa(x, syntax)
        fit = jsonable(res.fit) if res.fit is not None else {}
        verdict, meaning = _fit_verdict(fit) if res.converged else (
            "not converged", res.warning or "The model did not converge; its fit is not reported.")
        rows.append({"model": name, "converged": res.converged, "warning": res.warning,
                     **({k: fit.get(k) for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                                   "rmsea_ci_lower", "rmsea_ci_upper", "srmr",
                                                   "aic", "bic")} if res.converged else {}),
                     "verdict": verdict, "meaning": meaning})
    return rows


def validate(responses, settings: ValidationSettings = ValidationSettings(), *,
             plan: DisclosurePlan | None = None) -> dict:
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
    dict
        JSON-serialisable results per form, the invariance test between forms, team agreement,
        the sample accounting and the cut-offs used.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> out = validate(read_responses(simulate(30, 8, seed=1).responses), ValidationSettings(n_iter=5))
    >>> out["forms"]["colleague"]["cfa_skipped"][:17]
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
    out: dict[str, Any] = {"cutoffs": CUTOFFS, "forms": {}, "models": models}
    out["sample"] = _sample(responses, keyed, careless, rows, plan)
    for form in FORMS:
        x = data.loc[data["form"] == form, ids].astype("float64")
        n = len(x)
        section: dict[str, Any] = {"n": n}
        out["forms"][form] = section
        if not plan.per_form_pools:
            section["skipped"] = ("withheld: " + plan.notes[-1])
            continue
        if n < max(10, settings.min_responses):
            section["skipped"] = f"only {n} responses on this form; the battery needs at least 10"
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
        try:
            section.update(_factor_steps(x, settings))
        except CoproError as exc:  # e.g. a singular correlation matrix in a small sample
            section["factor_skipped"] = (
                f"Factor analysis not estimable on this form (n = {n}, {k} items): {exc.message}"
            )
        rating, why = _sample_rating(int(x.dropna().shape[0]), k)
        section["cfa_sample"] = {"rating": rating, "detail": why}
        if rating == "inadequate":
            section["cfa"] = []
            section["cfa_skipped"] = (
                f"CFA not estimated: {why} (COSMIN). Collect more responses on this form before "
                "judging its structure."
            )
        else:
            section["cfa"] = _cfa_table(x.dropna(), models)
    out["invariance"] = _invariance(data, ids, models["nine cells"])
    out["agreement"] = _agreement(data[data["team"].astype(str).isin(plan.visible_teams)],
                                  instrument, settings, len(plan.teams) - len(plan.visible_teams))
    return jsonable(out)


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


def _invariance(data: pd.DataFrame, ids: list[str], model: str) -> dict:
    complete = data.dropna(subset=ids)
    counts = complete["form"].value_counts()
    k = len(ids)
    short = [f for f in FORMS if counts.get(f, 0) < 5 * k]
    if short:
        return {"skipped": "Invariance between forms not tested: "
                + ", ".join(f"{f} form has {counts.get(f, 0)} complete responses" for f in short)
                + f" (each needs at least 5 x {k} = {5 * k})."}
    res = invariance(complete[ids + ["form"]].astype({i: "float64" for i in ids}), model, "form")
    table = res.table
    rows = jsonable(table)
    verdicts = []
    for step in ("metric", "scalar"):
        try:
            d_cfi = float(table.loc[step, "delta_cfi"])
            d_rmsea = float(table.loc[step, "delta_rmsea"])
        except (KeyError, TypeError, ValueError):
            continue
        holds = abs(d_cfi) <= CUTOFFS["delta_cfi"]["max"] and abs(d_rmsea) <= CUTOFFS["delta_rmsea"]["max"]
        verdicts.append({"step": step, "holds": holds, "delta_cfi": d_cfi, "delta_rmsea": d_rmsea})
    meaning = (
        "Scalar invariance holds: PSW and colleague means can be compared directly."
        if verdicts and all(v["holds"] for v in verdicts)
        else "Full scalar invariance is not supported: compare PSW and colleague scores with care."
    )
    return {"table": rows, "steps": verdicts, "meaning": meaning}


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
def write_validation(result: dict, out_dir: Path, *, instrument: Instrument, input_hash: str) -> dict[str, Path]:
    """Write ``validation.json`` and a self-contained ``validation.html`` into ``out_dir``.

    ``out_dir`` is replaced whole (see :func:`copro_scale.outputs.write_folder`).
    """
    from .outputs import write_folder

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
    ph.write_text(render_template("validation.html", doc=doc, instrument=instrument, cutoffs=CUTOFFS),
                  encoding="utf-8")
    return {"json": pj, "html": ph}


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run_validation(input_path, out_dir: Path, *, instrument=None, fmt: str = "auto", mapping=None,
                   seed: int = 0, min_responses: int | None = None, n_iter: int = 100) -> dict[str, Path]:
    """Read INPUT as ``copro score`` does, run the battery and write the JSON and HTML."""
    from .instrument import load_instrument
    from .responses import read_responses

    inst = load_instrument(instrument) if instrument else None
    check_threshold(inst, min_responses, field="--min-responses")  # before the input is read
    responses = read_responses(input_path, instrument=inst, format=fmt, mapping=mapping)
    result = validate(responses, ValidationSettings(min_responses=min_responses, n_iter=n_iter, seed=seed))
    return write_validation(result, Path(out_dir), instrument=responses.instrument,
                            input_hash=file_sha256(input_path))
