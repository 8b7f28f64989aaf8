"""The figures of one run: aggregate, classify and apply the disclosure plan once.

:func:`build_report_data` turns responses and their scores into :class:`ReportData`, which holds
only figures the :class:`~copro_scale.privacy.DisclosurePlan` lets through. Page contexts are
built from it and from nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..aggregate import change, form_gaps, organisation_scores, team_counts, team_scores
from ..classify import classify_teams
from ..instrument import CONSTRUCTS, FACES, Instrument, load_instrument
from ..privacy import MEAN_DECIMALS, SHARE_DECIMALS, DisclosurePlan, disclosure_plan
from ..render import fmt
from ..scoring import keyed_matrix
from .content import CONSTRUCT_LABELS, FACE_LABELS, type_text


def data_hash(data: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of a table's values, independent of its file format.

    Examples
    --------
    >>> import pandas as pd
    >>> len(data_hash(pd.DataFrame({"a": [1, 2]})))
    16
    """
    h = pd.util.hash_pandas_object(data, index=False).to_numpy()
    cols = "\x1f".join(map(str, data.columns)).encode()
    return hashlib.sha256(cols + h.tobytes()).hexdigest()[:16]


def item_distribution(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Share of disagree (1-2), neutral (3) and agree (4-5) answers per team and item.

    Raw answers, as respondents gave them (before reverse keying); every respondent counts once.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> d = item_distribution(simulate(2, 6, seed=1).responses, load_instrument())
    >>> bool(((d["disagree"] + d["neutral"] + d["agree"]).round(6) == 1).all())
    True
    """
    ids = instrument.item_ids
    long = responses[["team", *ids]].melt(id_vars="team", var_name="id", value_name="code")
    long = long.dropna(subset=["code"])
    cat = np.select([long["code"].astype(int) <= 2, long["code"].astype(int) == 3],
                    ["disagree", "neutral"], "agree")
    tab = pd.crosstab([long["team"].astype(str), long["id"]], cat)
    tab = tab.reindex(columns=["disagree", "neutral", "agree"], fill_value=0)
    n = tab.sum(axis=1)
    out = tab.div(n, axis=0).reset_index()
    out["n"] = n.to_numpy()
    out.columns.name = None
    return out


def sample_reliability(responses: pd.DataFrame, instrument: Instrument) -> list[dict]:
    """Cronbach's alpha of each construct and face in this sample, with the validation's verdict.

    Alpha and verdict come from :func:`copro_scale.validate.reliability_table`, the one place
    they are computed.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> r = sample_reliability(simulate(6, 10, seed=1).responses, load_instrument())
    >>> [x["scale"] for x in r][:3]
    ['Voice', 'Experience', 'Identity']
    """
    from ..validate import reliability_table

    x = pd.DataFrame(keyed_matrix(responses, instrument), columns=instrument.item_ids)
    table = {r["scale"]: r for r in reliability_table(x, instrument, kinds=("face", "construct"))}
    labels = [(CONSTRUCT_LABELS[c], c) for c in CONSTRUCTS] + [(FACE_LABELS[f], f) for f in FACES]
    return [dict(scale=label, k=table[key]["n_items"], alpha=fmt(table[key]["alpha"]),
                 verdict=table[key]["verdict"]) for label, key in labels]


def team_agreement_table(scores: pd.DataFrame, cells: list[str]) -> dict | None:
    """rwg(j) and AD(j) per team and ICC(1), ICC(2), over the nine cell scores.

    Uses :func:`copro_scale.psychometrics.team_agreement` on the cell scores (already reverse
    keyed, 1-5) of the rows given, so rows missing a whole cell are left out. Returns None
    (shown as "not computed") when fewer than two teams or no complete rows are available.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> s = score(read_responses(simulate(3, 8, seed=1).responses))
    >>> sorted(team_agreement_table(s, load_instrument().cells)["per_team"])[:1]
    ['Acute Ward']
    """
    from ..psychometrics import team_agreement

    x = scores[["team", *cells]].dropna()
    if x["team"].nunique() < 2:
        return None
    res = team_agreement(x.assign(team=x["team"].astype(str)), "team")
    per_team = {str(t): dict(rwg=fmt(r["rwg_j"]), ad=fmt(r["ad_j"]), n=int(r["n"]))
                for t, r in res.teams.iterrows()}
    return dict(icc1=fmt(res.icc1), icc2=fmt(res.icc2), per_team=per_team)


@dataclass(frozen=True)
class ReportData:
    """Everything computed for one run, with the disclosure plan already applied.

    Per-team tables hold visible teams only (``gaps`` and ``items_psw``: teams whose PSW and
    colleague views may be shown apart). ``history`` holds the face scores of every wave, oldest
    first, for teams visible now and in that wave; ``previous_types`` the type each team had in
    the latest earlier wave where it was reported.
    """

    instrument: Instrument
    plan: DisclosurePlan
    types: pd.DataFrame
    team: pd.DataFrame          # long team scores (visible teams only)
    org: pd.DataFrame           # long organisation scores
    gaps: pd.DataFrame          # per-team form gaps (split-visible teams only)
    pooled_gap: pd.DataFrame    # organisation form gap (empty when withheld)
    change: pd.DataFrame        # per-team change since the latest earlier wave
    items: pd.DataFrame         # item distributions, all respondents (visible teams only)
    items_psw: pd.DataFrame     # item distributions of the PSW form (split-visible teams only)
    history: pd.DataFrame       # team, wave, score, mean (visible now and then)
    previous_types: dict        # team -> type in the latest earlier wave that reported it
    headcounts: pd.DataFrame    # team, n_psw_expected, n_colleague_expected (may be empty)
    reliability: list
    agreement: dict | None
    settings: dict

    @cached_property
    def by_team(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Per-team slices of the long tables, split once (not filtered per page)."""
        out: dict[str, dict[str, pd.DataFrame]] = {}
        for name in ("team", "gaps", "change", "items", "items_psw", "history"):
            frame = getattr(self, name)
            for team, part in frame.groupby(frame["team"].astype(str), sort=False):
                out.setdefault(team, {})[name] = part
        return out

    @cached_property
    def texts(self) -> dict[str, dict]:
        """The words of every outcome (content file plus the instrument's processes)."""
        return type_text(self.instrument)

    def slice(self, name: str, team: str) -> pd.DataFrame:
        """Rows of table ``name`` for ``team`` (empty when none)."""
        frame = self.by_team.get(team, {}).get(name)
        return getattr(self, name).iloc[:0] if frame is None else frame


def _waves(previous) -> list[pd.DataFrame]:
    if previous is None:
        return []
    return [previous] if isinstance(previous, pd.DataFrame) else list(previous)


def plan_weighted_scores(scores: pd.DataFrame, columns: list[str], plan: DisclosurePlan,
                         weights: str = "forms_equal") -> pd.DataFrame:
    """Team scores, forms weighted equally only in teams where the plan allows it (rule 4).

    Elsewhere every response counts once, so no respondent carries more than 1/k of a team's
    figure. A figure resting on fewer than k answers is withheld (NaN; rule 7).
    """
    empty = pd.DataFrame(columns=["team", "score", "mean", "se", "df", "lo", "hi", "n"])
    if not len(scores):
        return empty
    equal = plan.only_split_visible(scores) if weights == "forms_equal" else scores.iloc[:0]
    rest = scores.drop(index=equal.index)
    parts = [team_scores(equal, columns, weights="forms_equal")] if len(equal) else []
    parts += [team_scores(rest, columns, weights="respondents")] if len(rest) else []
    out = pd.concat(parts, ignore_index=True) if parts else empty
    return plan.withhold_few(out, ["mean", "se", "lo", "hi"])


def _withhold_org_remainders(org: pd.DataFrame, org_rows: pd.DataFrame, team: pd.DataFrame,
                             plan: DisclosurePlan) -> pd.DataFrame:
    """Organisation figures whose rows minus the shown team figures' rows are 1 to k-1 (rule 2)."""
    shown_n = team.dropna(subset=["mean"]).groupby("score")["n"].sum()
    org = org.copy()
    for i, r in org.iterrows():
        s = r["score"]
        n_org = int(org_rows[s].notna().sum()) if s in org_rows.columns else 0
        if not plan.remainder_ok(n_org, int(shown_n.get(s, 0))):
            org.loc[i, [c for c in ("mean", "se", "lo", "hi") if c in org.columns]] = np.nan
    return org


def _published(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of figures at the published precision: means on the 1-5 scale to 2 decimals,
    so that no page, chart or file carries more than the plan allows (docs/privacy.md)."""
    out = frame.copy()
    for c in ("mean", "se", "lo", "hi", "psw", "colleague", "gap", "previous", "current", "delta"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce").round(MEAN_DECIMALS)
    return out


def build_report_data(responses: pd.DataFrame, scores: pd.DataFrame, *,
                      instrument: Instrument | None = None, min_responses: int | None = None,
                      previous=None, seed: int = 0, n_boot: int = 2000,
                      min_probability: float | None = None, weights: str = "forms_equal",
                      team_list: pd.DataFrame | None = None, organisation: str = "",
                      wave: str = "", previous_waves: list[str] | None = None,
                      plan: DisclosurePlan | None = None) -> ReportData:
    """Aggregate, classify and apply the privacy plan; only shown figures survive.

    ``plan`` is the run's disclosure plan (default: computed from ``scores``); every figure is
    taken through it: team and organisation weights, withheld splits, figures on fewer than k.
    ``previous`` is the scores of one earlier wave, or a list of them, oldest first;
    ``previous_waves`` their labels. ``team_list`` gives expected headcounts (response rates).

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> r = read_responses(simulate(4, 6, seed=2).responses)
    >>> d = build_report_data(r.data, score(r), n_boot=100)
    >>> sorted(d.plan.visible_teams) == sorted(d.types["team"])
    True
    """
    inst = instrument or load_instrument()
    if plan is None:
        plan = disclosure_plan(team_counts(scores), min_responses, instrument=inst)
    min_responses = plan.min_responses
    p_min = inst.min_probability if min_probability is None else float(min_probability)
    classify = dict(min_responses=min_responses, n_boot=n_boot, seed=seed,
                    min_probability=p_min, weights=weights)
    types = classify_teams(scores, inst, plan=plan, **classify)
    cols = [*FACES, *CONSTRUCTS, *inst.cells]
    # score figures rest on respondents with every cell scored (rule 8); types use everyone
    scores = plan.complete_cells(scores, inst.cells)
    visible_scores = scores[scores["team"].astype(str).isin(plan.visible_teams)]
    org_rows = plan.organisation_rows(scores)
    now = plan_weighted_scores(visible_scores, [*FACES, *CONSTRUCTS], plan, weights)
    now = now.dropna(subset=["mean"])

    earlier = _waves(previous)
    labels = list(previous_waves or [])
    labels = [*labels[:len(earlier)],
              *[f"Wave {i + 1}" for i in range(len(labels), len(earlier))]]
    chg = pd.DataFrame(columns=["team", "score", "previous", "current", "delta", "lo", "hi"])
    history = [now.loc[now["score"].isin(FACES), ["team", "score", "mean"]].assign(
        wave=len(earlier))]
    previous_types: dict[str, str] = {}
    for w, prev_scores in enumerate(earlier):
        prev_plan = disclosure_plan(team_counts(prev_scores), min_responses, instrument=inst)
        shown = prev_scores[prev_scores["team"].astype(str).isin(prev_plan.visible_teams)]
        prev = plan_weighted_scores(prev_plan.complete_cells(shown, inst.cells),
                                    [*FACES, *CONSTRUCTS], prev_plan, weights)
        prev = prev.dropna(subset=["mean"])
        history.append(plan.only_visible(prev.loc[prev["score"].isin(FACES),
                                                  ["team", "score", "mean"]]).assign(wave=w))
        prev_types = classify_teams(shown, inst, **classify) if len(shown) else None
        if prev_types is not None:
            previous_types.update(dict(zip(prev_types["team"].astype(str), prev_types["type"])))
        if w == len(earlier) - 1:
            chg = plan.only_visible(change(now, prev))
    previous_types = {t: v for t, v in previous_types.items()
                      if t in set(plan.visible_teams) and v != "suppressed"}
    pooled = pd.DataFrame()
    if plan.pooled_gap and len(org_rows):
        pooled = form_gaps(org_rows.assign(team="organisation"), [*FACES, *CONSTRUCTS])
    heads = pd.DataFrame(columns=["team", "n_psw_expected", "n_colleague_expected"])
    if team_list is not None and len(team_list):
        heads = team_list[list(heads.columns)].assign(team=team_list["team"].astype(str))
    psw_rows = responses[responses["form"].astype(str) == "psw"]
    team = plan_weighted_scores(visible_scores, cols, plan, weights)
    org_weights = plan.organisation_weights if weights == "forms_equal" else "respondents"
    items = item_distribution(responses, inst)
    items_psw = item_distribution(psw_rows, inst)
    shares = ["disagree", "neutral", "agree"]
    items, items_psw = (plan.withhold_few(f.round({c: SHARE_DECIMALS for c in shares}), shares)
                        for f in (items, items_psw))
    org = _withhold_org_remainders(organisation_scores(org_rows, cols, weights=org_weights),
                                   org_rows, team, plan)
    if len(pooled):  # the two forms' figures together are the organisation's: withheld with it
        withheld = set(org.loc[org["mean"].isna(), "score"])
        pooled = pooled[~pooled["score"].isin(withheld)].reset_index(drop=True)
    gaps = (plan.only_split_visible(form_gaps(visible_scores, [*FACES, *CONSTRUCTS]))
            if len(visible_scores) else pd.DataFrame(columns=["team"]))
    team, org, gaps, pooled, chg = (_published(f) for f in (team, org, gaps, pooled, chg))
    return ReportData(
        instrument=inst, plan=plan, types=types, team=team,
        org=org,
        gaps=gaps, pooled_gap=pooled, change=chg,
        items=plan.only_visible(items),
        items_psw=plan.only_split_visible(items_psw),
        history=pd.concat(history, ignore_index=True),
        previous_types=previous_types, headcounts=heads,
        reliability=sample_reliability(plan.organisation_rows(responses), inst)
        if len(org_rows) >= 3 else [],
        agreement=team_agreement_table(visible_scores, list(inst.cells)),
        settings=dict(min_responses=plan.min_responses, seed=seed, n_boot=n_boot,
                      min_probability=p_min, max_distance=inst.max_distance,
                      weights=weights, previous=bool(earlier), organisation=organisation,
                      wave=wave, waves=[*labels, wave or "This wave"]))
