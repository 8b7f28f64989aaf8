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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cutoffs import CUTOFFS, alpha_verdict
from .errors import CoproError
from .instrument import CONSTRUCTS, FACES, FORMS, Instrument, cell_name
from .privacy import DisclosurePlan, check_threshold, plan_for, validation_items
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
from .psychometrics._result import Result
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

__all__ = ["ValidationResult", "ValidationSettings", "cfa_models", "reliability_table", "validate"]

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


def _scale_reliability(x: pd.DataFrame, name: str, kind: str, nan_policy: str,
                       withheld=frozenset()) -> dict:
    try:
        res = reliability(x, nan_policy=nan_policy)
    except CoproError as exc:  # e.g. an item everyone answered alike on this form
        return {"scale": name, "kind": kind, "n_items": x.shape[1], "n": len(x), "alpha": None,
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
        "item_stats": _withhold_items(res.item_stats, withheld),
    }


def _withhold_items(stats: pd.DataFrame, withheld) -> pd.DataFrame:
    """Item statistics with the rows the disclosure plan withholds blanked (null in the JSON)."""
    gone = stats.index.isin(list(withheld))
    if gone.any():
        stats = stats.astype("float64")
        stats.loc[gone] = np.nan
    return stats


def reliability_table(x: pd.DataFrame, instrument: Instrument, nan_policy: str = "pairwise",
                      withheld=frozenset(), kinds=("cell", "face", "construct")) -> list[dict]:
    """Alpha, its interval, item statistics and the verdict of every cell, face and construct.

    ``x`` holds reverse-keyed items (columns: item ids). The one place reliability verdicts are
    made: the validation battery and the report's reliability table both take theirs from it.
    """
    scales = []
    if "cell" in kinds:
        for c in CONSTRUCTS:
            for f in FACES:
                cols = [it.id for it in instrument.cell_items(c, f)]
                scales.append(_scale_reliability(x[cols], cell_name(c, f), "cell", nan_policy, withheld))
    if "face" in kinds:
        for f in FACES:
            cols = [it.id for it in instrument.items if it.face == f]
            scales.append(_scale_reliability(x[cols], f, "face", nan_policy, withheld))
    if "construct" in kinds:
        for c in CONSTRUCTS:
            cols = [it.id for it in instrument.items if it.construct == c]
            scales.append(_scale_reliability(x[cols], c, "construct", nan_policy, withheld))
    return scales


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
    withheld_items = validation_items(keyed, rows, plan, instrument)
    ids = instrument.item_ids
    k = len(ids)
    models = cfa_models(instrument)
    out: dict[str, Any] = {"cutoffs": CUTOFFS, "estimation": estimation(settings.estimator),
                           "forms": {}, "models": models}
    out["sample"] = _sample(responses, keyed, careless, rows, plan)
    for form in FORMS:
        x = data.loc[data["form"] == form, ids].astype("float64")
        n = len(x)
        # both forms' counts add up to the organisation's, withheld when it is (rule 2)
        section: dict[str, Any] = {"n": n if plan.organisation_count_shown else "withheld"}
        out["forms"][form] = section
        if not plan.per_form_pools:
            section["skipped"] = "withheld: " + plan.per_form_note
            continue
        if n < max(MIN_ANSWERS_PER_ITEM, settings.min_responses):
            section["skipped"] = (f"only {n} responses on this form; the battery needs at least "
                                  f"{MIN_ANSWERS_PER_ITEM}")
            continue
        section["reliability"] = reliability_table(x, instrument, settings.nan_policy,
                                                   withheld_items[form])
        if withheld_items[form]:
            section["items_withheld"] = (
                f"Statistics of {len(withheld_items[form])} item(s) are withheld: with the team "
                f"reports' item shares, or the organisation's figures of this form, they would "
                f"give the answers of fewer than {plan.min_responses} people.")
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
    if not plan.organisation_count_shown:  # analysed minus the visible teams: a hidden team
        out["analysed"] = "withheld: it would give the count of teams below the threshold"
    if plan.remainder_left_out:  # rows read minus the rest would be the hidden teams' count
        out["below_threshold_left_out"] = f"fewer than {plan.min_responses}"
    elif plan.organisation_count_shown:
        out.update(rows_read=int(responses.n_read), excluded=len(responses.exclusions),
                   withheld=int((org & ~careless & ~rows).sum()))
    if out["flagged_careless_kept"]:
        out["note"] = (f"{out['flagged_careless_kept']} careless response(s) are kept: leaving out "
                       f"fewer than {plan.min_responses} would let them be worked out by "
                       "subtraction from the report's organisation figures.")
    return out


def _agreement(data: pd.DataFrame, inst: Instrument, settings: ValidationSettings,
               hidden: int) -> dict:
    """Team agreement per face over the teams with ``k`` or more rows answering every statement
    of the face: a team's rwg(j) and AD(j) rest on those rows, and a median over teams is one
    team's value, so a team with fewer would be described by fewer than ``k`` people."""
    k = settings.min_responses
    sizes = data["team"].value_counts()
    shown = sizes.index[sizes >= k]
    hidden += int((sizes < k).sum())
    if len(shown) < 2:
        return {"skipped": f"fewer than two teams with at least {k} responses"}
    d = data[data["team"].isin(shown)]
    faces = {}
    for f in FACES:
        cols = [it.id for it in inst.items if it.face == f]
        x = d[cols].astype("float64")
        complete = x.notna().all(axis=1)  # team_agreement leaves the other rows out
        per_team = d.loc[complete, "team"].value_counts()
        used = per_team.index[per_team >= k]
        if len(used) < 2:  # this face only: the other faces and steps go on
            faces[f] = {"skipped": f"not computed: fewer than two teams have {k} or more "
                                   "responses that answered every statement of this face"}
            continue
        rows = complete & d["team"].isin(used)
        try:
            res = team_agreement(x[rows], d.loc[rows, "team"])
        except CoproError as exc:  # e.g. a statement everyone answered alike
            faces[f] = {"skipped": f"not computed: {exc.message}"}
            continue
        per = res.teams
        faces[f] = {
            "n_teams": len(used),
            "icc1": res.icc1,
            "icc2": res.icc2,
            "median_rwg_j": float(per["rwg_j"].median()),
            "share_rwg_j_meets": float((per["rwg_j"] >= CUTOFFS["rwg_j"]["min"]).mean()),
            "median_ad_j": float(per["ad_j"].median()),
            "share_ad_j_meets": float((per["ad_j"] <= CUTOFFS["ad_j"]["max"]).mean()),
        }
    return {"n_teams": int((sizes >= k).sum()), "teams_below_threshold": hidden, "faces": faces,
            "note": "Per-team indices are summarised across teams; teams below the threshold are "
                    f"left out and only counted, and each face uses the teams with {k} or more "
                    "people answering all its statements (the Teams column)."}


# -- input ----------------------------------------------------------------------------------------
def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
