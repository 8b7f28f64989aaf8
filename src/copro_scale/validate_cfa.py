"""The structural steps of the validation battery: competing CFA models and invariance.

Which estimator, which missing-data treatment, and the sample-size rule that goes with them:

* ``WLSMV`` with pairwise deletion - the default, as lavaan users fit 5-point items: the items
  are declared ordered (polychoric correlations, DWLS, mean-and-variance adjusted test), every
  response counts for every pair it answered, and fit is judged on the robust CFI, TLI and
  RMSEA lavaan reports; no AIC/BIC exist. On 480 simulated responses with 3% missing answers
  per item (a third of the rows complete) it estimates every model; the nine-cell model took
  about 8 s per form on a loaded 2-core machine.
* ``MLR`` with full-information ML (``missing="fiml"``): every answer counts; robust CFI,
  TLI, RMSEA and the Yuan-Bentler scaled chi-square. Offered, not the default: it treats the
  items as continuous, and the FIML engine took 78-130 s (ML) and 200-340 s (MLR) for one nine-cell
  model on 240 x 36 answers, too slow for a battery of 11 fits.
* ``ML`` listwise: the textbook estimator, on complete rows only.

The COSMIN rule (n >= 5 x items adequate, >= 7 x items and >= 100 very good) counts the
responses the estimator uses: all rows with an answer for FIML and pairwise, complete rows for
listwise. With FIML or pairwise deletion every pair of items must also be answered together
by at least half the responses (lavaan's coverage), or the model is not estimated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .cutoffs import CUTOFFS, fit_verdict, sample_rating
from .errors import CoproError
from .instrument import CONSTRUCTS, FACES, FORMS, Instrument, cell_name
from .psychometrics import cfa, invariance, jsonable

#: The estimators the battery offers, each with the missing-data treatment it uses.
ESTIMATORS = {"WLSMV": "pairwise", "MLR": "fiml", "ML": "listwise"}
DEFAULT_ESTIMATOR = "WLSMV"
#: Lowest share of responses that answered both items of any pair (FIML, pairwise).
MIN_COVERAGE = 0.5

_DESCRIPTION = {
    "MLR": "robust maximum likelihood (MLR) with full-information ML for missing answers: "
           "every answer is used; fit judged on robust CFI, TLI and RMSEA and the Yuan-Bentler "
           "scaled chi-square",
    "WLSMV": "WLSMV on polychoric correlations with the items treated as ordered and pairwise "
             "deletion of missing answers; fit judged on robust CFI, TLI and RMSEA and the "
             "scaled-shifted chi-square",
    "ML": "maximum likelihood on complete responses only (listwise deletion)",
}
_FIT_KEYS = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper",
             "srmr", "aic", "bic")
_ROBUST = {"chisq": "chisq_scaled", "pvalue": "pvalue_scaled", "cfi": "cfi_robust",
           "tli": "tli_robust", "rmsea": "rmsea_robust", "rmsea_ci_lower": "rmsea_ci_lower_robust",
           "rmsea_ci_upper": "rmsea_ci_upper_robust"}


def check_estimator(estimator: str) -> str:
    if estimator not in ESTIMATORS:
        raise CoproError(f"unknown estimator {estimator!r}; use one of {list(ESTIMATORS)}")
    return estimator


def estimation(estimator: str) -> dict:
    """What the page says about how the models were estimated."""
    check_estimator(estimator)
    return {"estimator": estimator, "missing": ESTIMATORS[estimator],
            "fit_indices": "standard" if estimator == "ML" else "robust",
            "text": "CFA and invariance: " + _DESCRIPTION[estimator] + "."}


def _options(estimator: str, items: list[str]) -> dict:
    return {"estimator": estimator, "missing": ESTIMATORS[estimator],
            "ordered": list(items) if estimator == "WLSMV" else None}


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
    # would do.
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


def usable_sample(x: pd.DataFrame, estimator: str) -> dict:
    """The responses the estimator uses, the COSMIN rating, and the lowest pairwise coverage."""
    k = x.shape[1]
    answered = x.notna().to_numpy()
    if ESTIMATORS[estimator] == "listwise":
        n, what = int(answered.all(axis=1).sum()), "complete responses"
    else:
        n, what = int(answered.any(axis=1).sum()), "responses with an answer"
    rating, detail = sample_rating(n, k)
    out = {"n": n, "counted": what, "rating": rating, "detail": f"{detail} ({what})"}
    if ESTIMATORS[estimator] != "listwise" and n:
        m = answered.astype(float)
        both = (m.T @ m) / n
        i, j = np.unravel_index(np.argmin(both), both.shape)
        out["min_coverage"] = float(both[i, j])
        if both[i, j] < MIN_COVERAGE and rating != "inadequate":
            out["rating"] = "inadequate"
            out["detail"] = (f"items {x.columns[i]} and {x.columns[j]} were answered together by "
                             f"{both[i, j]:.0%} of responses (< {MIN_COVERAGE:.0%})")
    return out


def _fit_row(fit: dict, estimator: str) -> dict:
    keys = {k: (_ROBUST.get(k, k) if estimator != "ML" else k) for k in _FIT_KEYS}
    return {k: fit.get(src) for k, src in keys.items()}


def cfa_table(x: pd.DataFrame, models: dict[str, str], estimator: str) -> list[dict]:
    """Fit each competing model; a model that fails or does not converge says so."""
    rows = []
    for name, syntax in models.items():
        try:
            res = cfa(x, syntax, **_options(estimator, list(x.columns)))
        except CoproError as exc:
            rows.append({"model": name, "converged": False, "warning": exc.message,
                         "verdict": "not estimated", "meaning": f"Not estimated: {exc.message}"})
            continue
        fit = _fit_row(jsonable(res.fit) if res.fit is not None else {}, estimator)
        verdict, meaning = fit_verdict(fit) if res.converged else (
            "not converged", res.warning or "The model did not converge; its fit is not reported.")
        rows.append({"model": name, "converged": res.converged, "warning": res.warning,
                     **(fit if res.converged else {}), "verdict": verdict, "meaning": meaning})
    return rows


def form_invariance(data: pd.DataFrame, ids: list[str], model: str, estimator: str) -> dict:
    """Configural, metric and scalar invariance between the forms, where both forms allow it."""
    samples = {f: usable_sample(data.loc[data["form"] == f, ids], estimator) for f in FORMS}
    short = [f for f, s in samples.items() if s["rating"] == "inadequate"]
    if short:
        return {"skipped": "Invariance between forms not tested: "
                + "; ".join(f"{f} form: {samples[f]['detail']}" for f in short) + "."}
    rows = data[ids + ["form"]].astype({i: "float64" for i in ids})
    if ESTIMATORS[estimator] == "listwise":
        rows = rows.dropna(subset=ids)
    try:
        res = invariance(rows, model, "form", **_options(estimator, ids))
    except CoproError as exc:
        return {"skipped": f"Invariance between forms not estimated: {exc.message}"}
    table = res.table
    numeric = table.select_dtypes("number").drop(columns=["converged"], errors="ignore")
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
    index = table["index"].iloc[0] if "index" in table else "standard"  # which CFI/RMSEA the deltas use
    return {"table": jsonable(numeric), "steps": verdicts, "meaning": meaning, "fit_indices": str(index)}
