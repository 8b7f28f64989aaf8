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

from ..aggregate import change, form_gaps, organisation_scores, team_scores
from ..classify import classify_teams
from ..instrument import CONSTRUCTS, FACES, Instrument, load_instrument
from ..privacy import (
    MEAN_DECIMALS,
    SHARE_DECIMALS,
    DisclosurePlan,
    parent_plan,
    plan_for,
)
from ..render import fmt
from ..scoring import keyed_matrix
from .certainty import MINIMAL_IMPORTANT_DIFFERENCE, design_effect
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
    """Answers to every item per team and form: counts of disagree (1-2), neutral (3), agree (4-5)
    and of respondents who gave none ("Don't know" or left blank).

    Raw answers, as respondents gave them (before reverse keying).

    Returns
    -------
    DataFrame
        ``team, form, id, disagree, neutral, agree, none`` (counts).

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> d = item_distribution(simulate(2, 6, seed=1).responses, load_instrument())
    >>> per = d[["disagree", "neutral", "agree", "none"]].sum(axis=1).groupby([d["team"], d["id"]])
    >>> sorted(set(per.sum()))  # every respondent once per item: 6 a team
    [6]
    """
    ids = sorted(instrument.item_ids)  # rows sorted by team, form and item id, as text
    cats = ["disagree", "neutral", "agree", "none"]
    team, teams = pd.factorize(responses["team"].astype(str), sort=True)
    form, forms = pd.factorize(responses["form"].astype(str), sort=True)
    width = max(len(forms), 1)
    keys, group = np.unique(team.astype("int64") * width + form, return_inverse=True)
    group = group.ravel() * len(cats)  # each row's (team, form) present, in sorted order
    counts = np.empty((len(keys), len(ids), len(cats)), dtype="int64")
    for j, item in enumerate(ids):  # one item at a time: no long table of rows x items
        code = pd.to_numeric(responses[item], errors="coerce").astype("float64").to_numpy()
        cat = np.select([np.isnan(code), code <= 2, code == 3], [3, 0, 1], 2)
        counts[:, j] = np.bincount(group + cat, minlength=len(keys) * len(cats)).reshape(
            len(keys), len(cats))
    out = pd.DataFrame({"team": np.repeat(teams.to_numpy()[keys // width], len(ids)),
                        "form": np.repeat(forms.to_numpy()[keys % width], len(ids)),
                        "id": np.tile(np.array(ids, dtype=object), len(keys))}).astype(str)
    return out.join(pd.DataFrame(counts.reshape(-1, len(cats)), columns=cats))


def statement_shares(dist: pd.DataFrame, plan: DisclosurePlan, weights: str = "forms_equal",
                     form: str | None = None) -> pd.DataFrame:
    """Shares of each answer per team and statement, weighted as the team's scores are.

    The rule is the one of the scores (:func:`plan_weighted_scores`): a team whose forms the plan
    weights equally gets the mean of its two forms' shares, provided each form answered the
    statement at least k times; otherwise every answer counts once. ``form`` restricts to one
    form (every answer once). A share resting on fewer than k answers is withheld (NaN; rule 7),
    and so is a share over every answer where the plan says so (:meth:`DisclosurePlan.shares_shown`).

    Returns
    -------
    DataFrame
        ``team, id, disagree, neutral, agree`` (shares of the answers), ``n`` (answers),
        ``dont_know`` (share of the respondents who gave none), ``equal`` (forms weighted equally).
    """
    k = plan.min_responses
    cats = ["disagree", "neutral", "agree"]
    d = dist if form is None else dist[dist["form"] == form]
    d = d.assign(answered=d[cats].sum(axis=1))
    g = d.groupby(["team", "id"], sort=False)
    pooled = g[[*cats, "none", "answered"]].sum()
    shares = pooled[cats].div(pooled["answered"].where(pooled["answered"] > 0), axis=0)
    equal = pd.Series(False, index=pooled.index)
    if form is None and weights == "forms_equal":
        by_form = d.set_index(["team", "id", "form"])
        per = by_form[cats].div(by_form["answered"].where(by_form["answered"] > 0), axis=0)
        answered = by_form["answered"].unstack("form")
        both = answered.reindex(columns=["psw", "colleague"]).ge(k).all(axis=1)
        teams = pooled.index.get_level_values("team").astype(str)
        plan_weights = teams.map({t: plan.weights(t) for t in teams.unique()})  # once a team
        equal = pd.Series(both.reindex(pooled.index, fill_value=False).to_numpy()
                          & (plan_weights == "forms_equal"), index=pooled.index)
        mean = per.groupby(level=["team", "id"], sort=False).mean()
        shares.loc[equal[equal].index] = mean.loc[equal[equal].index]
    n_resp = pooled["answered"] + pooled["none"]
    out = shares.assign(n=pooled["answered"].astype("int64"),
                        dont_know=pooled["none"] / n_resp.where(n_resp > 0),
                        equal=equal).reset_index()
    out.loc[out["n"] < k, cats] = np.nan
    if form is None:  # a split team's share whose one form answered 1 to k-1 times (rule 8)
        per_form = (d.groupby(["team", "id", "form"], sort=False)["answered"].sum()
                    .unstack("form").reindex(columns=["psw", "colleague"]).fillna(0))
        per_form = per_form.reindex(pd.MultiIndex.from_frame(out[["team", "id"]])).fillna(0)
        shown = plan.shares_shown(per_form.reset_index()).to_numpy()
        out.loc[~shown, cats] = np.nan
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
    return [{"scale": label, "k": table[key]["n_items"], "alpha": fmt(table[key]["alpha"]),
             "verdict": table[key]["verdict"]} for label, key in labels]


def team_agreement_table(scores: pd.DataFrame, cells: list[str], k: int) -> dict | None:
    """rwg(j) and AD(j) per team and ICC(1), ICC(2), over the nine cell scores.

    Uses :func:`copro_scale.psychometrics.team_agreement` on the cell scores (already reverse
    keyed, 1-5) of the rows given, so rows missing a whole cell are left out. A team whose
    complete rows number fewer than ``k`` (the plan's threshold) gets "–" (``withheld``): its
    indices would describe fewer than k people, even when the team itself is shown. ICC(1) and
    ICC(2) are computed over the teams with indices shown only. Returns None (shown as "not
    computed") when fewer than two teams have k or more complete rows.

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> from copro_scale import score, read_responses
    >>> s = score(read_responses(simulate(3, 8, seed=1).responses))
    >>> sorted(team_agreement_table(s, load_instrument().cells, 5)["per_team"])[:1]
    ['Acute Ward']
    """
    from ..psychometrics import team_agreement

    x = scores[["team", *cells]].dropna()
    x = x.assign(team=x["team"].astype(str))
    used = x["team"].value_counts()
    shown = used[used >= k].index
    if len(shown) < 2:
        return None
    res = team_agreement(x[x["team"].isin(shown)], "team")
    per_team = {str(t): {"rwg": fmt(r["rwg_j"]), "ad": fmt(r["ad_j"]), "n": int(r["n"]),
                         "withheld": False}
                for t, r in res.teams.iterrows()}
    per_team.update({str(t): withheld_agreement() for t in used.index if t not in shown})
    return {"icc1": fmt(res.icc1), "icc2": fmt(res.icc2), "per_team": per_team}


def withheld_agreement() -> dict:
    """The agreement entry of a team whose complete rows number fewer than k: nothing shown.

    Examples
    --------
    >>> withheld_agreement()["rwg"]
    '–'
    """
    return {"rwg": "–", "ad": "–", "withheld": True}


@dataclass(frozen=True)
class ReportData:
    """Everything computed for one run, with the disclosure plan already applied.

    Per-team tables hold visible teams only (``gaps`` and ``items_psw``: teams whose PSW and
    colleague views may be shown apart). ``history`` holds the face scores (with intervals) of
    every wave, oldest first, for teams visible now and in that wave; ``org_history`` the
    organisation's, each wave through its own plan. ``wave_types`` holds, per earlier wave, the
    type of every team reported in it.
    """

    instrument: Instrument
    plan: DisclosurePlan
    types: pd.DataFrame
    team: pd.DataFrame          # long team scores (visible teams only)
    org: pd.DataFrame           # long organisation scores (se and interval with the design effect)
    gaps: pd.DataFrame          # per-team form gaps (split-visible teams only)
    pooled_gap: pd.DataFrame    # organisation form gap (empty when withheld)
    change: pd.DataFrame        # per-team change since the latest earlier wave
    items: pd.DataFrame         # statement shares, weighted as the scores (visible teams only)
    items_psw: pd.DataFrame     # statement shares of the PSW form (split-visible teams only)
    history: pd.DataFrame       # team, wave, score, mean, lo, hi (visible now and then)
    org_history: pd.DataFrame   # wave, score, mean, se, lo, hi: the organisation in every wave
    wave_types: list            # per earlier wave (oldest first): team -> type, reported teams
    headcounts: pd.DataFrame    # team, n_psw_expected, n_colleague_expected, parent
    parents: pd.DataFrame       # privacy.parent_plan rows (empty without a parent column)
    parent_scores: pd.DataFrame  # long scores of the shown parents (``team`` = parent path)
    reliability: list
    agreement: dict | None
    settings: dict

    @property
    def teams_without_responses(self) -> list[str]:
        """Teams of the team list with no response kept, in the list's order: each is shown as
        "no responses" and nothing else (0 people: nothing to hide, nothing to show)."""
        answered = set(self.plan.teams["team"].astype(str))
        return [t for t in self.headcounts["team"].astype(str) if t not in answered]

    @cached_property
    def by_team(self) -> dict[str, dict[str, pd.DataFrame]]:
        """Per-team slices of the long tables, split once (not filtered per page)."""
        out: dict[str, dict[str, pd.DataFrame]] = {}
        for name in ("team", "gaps", "change", "items", "items_psw", "history", "parent_scores"):
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

    def previous_type(self, team: str) -> tuple[str | None, str | None, bool]:
        """The type ``team`` had in the latest earlier wave that reported it, that wave's label,
        and whether that wave is the one just before this (else the team was not reported then).

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> d = SimpleNamespace(wave_types=[{"A": "enhanced"}, {}],
        ...                     settings={"waves": ["Spring", "Autumn", "Now"]})
        >>> ReportData.previous_type(d, "A"), ReportData.previous_type(d, "B")
        (('enhanced', 'Spring', False), (None, None, False))
        """
        for w in range(len(self.wave_types) - 1, -1, -1):
            if team in self.wave_types[w]:
                return (self.wave_types[w][team], self.settings["waves"][w],
                        w == len(self.wave_types) - 1)
        return None, None, False


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


def clustered(org: pd.DataFrame, rows: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Organisation figures with their standard error and interval widened by the design effect
    of respondents clustered in teams (:func:`~copro_scale.reports.certainty.design_effect`),
    per score; adds ``deff`` and ``icc1``."""
    from scipy import stats

    org = org.copy()
    effects = [design_effect(rows[s], rows["team"]) if s in rows.columns else (1.0, np.nan)
               for s in org["score"]]
    org["deff"] = [d for d, _ in effects]
    org["icc1"] = [i for _, i in effects]
    org["se"] = org["se"] * np.sqrt(org["deff"])
    t = stats.t.ppf(0.5 + level / 2, np.maximum(org["df"].astype(float), 1))
    org["lo"] = org["mean"] - t * org["se"]
    org["hi"] = org["mean"] + t * org["se"]
    return org


def organisation_figures(scores: pd.DataFrame, plan: DisclosurePlan, columns: list[str],
                         weights: str = "forms_equal", team: pd.DataFrame | None = None):
    """The organisation's figures of one wave through its plan: weighted as the plan says,
    withheld where a remainder would be 1 to k-1 (rule 7), intervals with the design effect."""
    rows = plan.organisation_rows(scores)
    org_weights = plan.organisation_weights if weights == "forms_equal" else "respondents"
    if team is None:
        shown = scores[scores["team"].astype(str).isin(plan.visible_teams)]
        team = plan_weighted_scores(shown, columns, plan, weights)
    org = organisation_scores(rows, columns, weights=org_weights) if len(rows) else \
        pd.DataFrame(columns=["score", "mean", "se", "df", "lo", "hi", "n"])
    org = _withhold_org_remainders(org, rows, team, plan)
    return clustered(org, rows) if len(org) else org.assign(deff=[], icc1=[])


def parent_figures(scores: pd.DataFrame, plan: DisclosurePlan, parents: pd.DataFrame,
                   team: pd.DataFrame, columns: list[str],
                   org: pd.DataFrame | None = None) -> pd.DataFrame:
    """Scores of the shown parents (every respondent once), long, with ``team`` = parent path.

    Each figure is a set of respondents (those of the parent's teams with the score); the plan
    decides it (:meth:`DisclosurePlan.may_show`, rule 8) beside every other shown set of that
    score: the visible teams' figures, the sub-parents decided before it and the organisation's
    figure (``org``, long, with ``score`` and ``mean``). The sets nest as
    :func:`copro_scale.privacy.parent_plan` arranged them, so a parent minus its shown teams and
    sub-parents, or the organisation minus its shown parts, is nobody or at least k.
    """
    shown = parents[parents["visible"]]
    if not len(shown):
        return pd.DataFrame(columns=["team", "score", "mean", "se", "df", "lo", "hi", "n"])
    parts = []
    for r in shown.itertuples():
        rows = scores[scores["team"].astype(str).isin(r.teams)].assign(team=r.parent)
        parts.append(team_scores(rows, columns, weights="respondents"))
    out = pd.concat(parts, ignore_index=True)
    names = scores["team"].astype(str)
    shown_teams = set(map(tuple, team.dropna(subset=["mean"])[["team", "score"]].to_numpy()))
    org_shown = set() if org is None else set(org.dropna(subset=["mean"])["score"])
    org_teams = set(plan.organisation_teams)

    def members(teams, s):
        return set(scores.index[names.isin(teams) & scores[s].notna()])

    decided: dict[tuple[str, str], set] = {}  # (parent, score) -> its set, where shown
    for depth in sorted(shown["depth"].unique(), reverse=True):  # sub-parents decided first
        for r in shown[shown["depth"] == depth].itertuples():
            for i in out.index[out["team"] == r.parent]:
                s = out.at[i, "score"]
                published = [members([t], s) for t in plan.visible_teams if (t, s) in shown_teams]
                published += [m for (_, sc), m in decided.items() if sc == s]
                if s in org_shown:
                    published.append(members(org_teams, s))
                mine = members(r.teams, s)
                if plan.may_show(mine, published):
                    decided[r.parent, s] = mine
                else:
                    out.loc[i, ["mean", "se", "lo", "hi"]] = np.nan
    return out


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
    ``previous_waves`` their labels. ``team_list`` gives expected headcounts (response rates)
    and, in its ``parent`` column, each team's service line or directorate.

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
        plan = plan_for(scores, inst, min_responses)
    min_responses = plan.min_responses
    p_min = inst.min_probability if min_probability is None else float(min_probability)
    classify = {"min_responses": min_responses, "n_draws": n_boot, "seed": seed,
                    "min_probability": p_min, "weights": weights}
    types = classify_teams(scores, inst, plan=plan, **classify)
    cols = [*FACES, *CONSTRUCTS, *inst.cells]
    # score figures rest on respondents with every cell scored (rule 8); types use everyone
    scores = plan.complete_cells(scores, inst.cells)
    visible_scores = scores[scores["team"].astype(str).isin(plan.visible_teams)]
    org_rows = plan.organisation_rows(scores)
    team = plan_weighted_scores(visible_scores, cols, plan, weights)  # every column on its own
    now = team[team["score"].isin([*FACES, *CONSTRUCTS])].dropna(subset=["mean"])

    earlier = _waves(previous)
    labels = list(previous_waves or [])
    labels = [*labels[:len(earlier)],
              *[f"Wave {i + 1}" for i in range(len(labels), len(earlier))]]
    chg = pd.DataFrame(columns=["team", "score", "previous", "current", "delta", "lo", "hi"])
    keep = ["team", "score", "mean", "lo", "hi"]
    history = [now.loc[now["score"].isin(FACES), keep].assign(wave=len(earlier))]
    org_history = []
    wave_types: list[dict] = []
    for w, prev_scores in enumerate(earlier):
        prev_plan = plan_for(prev_scores, inst, min_responses)  # as that wave's own report
        shown = prev_scores[prev_scores["team"].astype(str).isin(prev_plan.visible_teams)]
        prev = plan_weighted_scores(prev_plan.complete_cells(shown, inst.cells),
                                    [*FACES, *CONSTRUCTS], prev_plan, weights)
        prev_org = organisation_figures(prev_plan.complete_cells(prev_scores, inst.cells), prev_plan,
                                        list(FACES), weights, prev[prev["score"].isin(FACES)])
        org_history.append(prev_org[["score", "mean", "se", "lo", "hi"]].assign(wave=w))
        prev = prev.dropna(subset=["mean"])
        history.append(plan.only_visible(prev.loc[prev["score"].isin(FACES), keep]).assign(wave=w))
        prev_types = classify_teams(shown, inst, **classify) if len(shown) else None
        reported = {} if prev_types is None else {
            str(t): v for t, v in zip(prev_types["team"], prev_types["type"])
            if v != "suppressed" and str(t) in set(plan.visible_teams)}
        wave_types.append(reported)
        if w == len(earlier) - 1:
            chg = plan.only_visible(change(now, prev))
    pooled = pd.DataFrame()
    if plan.pooled_gap and len(org_rows):
        pooled = form_gaps(org_rows.assign(team="organisation"), [*FACES, *CONSTRUCTS])
    heads = pd.DataFrame(columns=["team", "n_psw_expected", "n_colleague_expected", "parent"])
    if team_list is not None and len(team_list):
        heads = team_list.reindex(columns=heads.columns).assign(team=team_list["team"].astype(str))
    psw_rows = responses[responses["form"].astype(str) == "psw"]
    dist = item_distribution(responses, inst)
    items = statement_shares(dist, plan, weights)
    items_psw = statement_shares(item_distribution(psw_rows, inst), plan, form="psw")
    both = items.set_index(["team", "id"])["equal"]  # the colleagues' share is then derivable
    ok = both.reindex(pd.MultiIndex.from_frame(items_psw[["team", "id"]]), fill_value=False)
    items_psw.loc[~ok.to_numpy(), ["disagree", "neutral", "agree"]] = np.nan
    shares = ["disagree", "neutral", "agree", "dont_know"]  # at the published precision
    items, items_psw = (f.round({c: SHARE_DECIMALS for c in shares}) for f in (items, items_psw))
    org = _published(organisation_figures(scores, plan, cols, weights, team))
    org_history.append(org.loc[org["score"].isin(FACES), ["score", "mean", "se", "lo", "hi"]]
                       .assign(wave=len(earlier)))
    if len(pooled):  # the two forms' figures together are the organisation's: withheld with it
        withheld = set(org.loc[org["mean"].isna(), "score"])
        pooled = pooled[~pooled["score"].isin(withheld)].reset_index(drop=True)
    team_parents = dict(zip(heads["team"], heads["parent"]))
    parents = parent_plan(plan, {t: p for t, p in team_parents.items() if isinstance(p, str)})
    parent_scores = parent_figures(scores, plan, parents, team, [*FACES, *CONSTRUCTS], org)
    gaps = (plan.only_split_visible(form_gaps(visible_scores, [*FACES, *CONSTRUCTS]))
            if len(visible_scores) else pd.DataFrame(columns=["team"]))
    team, gaps, pooled, chg, parent_scores = (_published(f) for f in (team, gaps, pooled, chg,
                                                                       parent_scores))
    return ReportData(
        instrument=inst, plan=plan, types=types, team=team,
        org=org,
        gaps=gaps, pooled_gap=pooled, change=chg,
        items=plan.only_visible(items),
        items_psw=plan.only_split_visible(items_psw),
        history=_published(pd.concat(history, ignore_index=True)),
        org_history=_published(pd.concat(org_history, ignore_index=True)),
        wave_types=wave_types, headcounts=heads, parents=parents, parent_scores=parent_scores,
        reliability=sample_reliability(plan.organisation_rows(responses), inst)
        if len(org_rows) >= 3 else [],
        agreement=team_agreement_table(visible_scores, list(inst.cells), plan.min_responses),
        settings={"min_responses": plan.min_responses, "seed": seed, "n_boot": n_boot,
                      "min_probability": p_min, "max_distance": inst.max_distance,
                      "weights": weights, "previous": bool(earlier), "organisation": organisation,
                      "wave": wave, "waves": [*labels, wave or "This wave"],
                      "mid": MINIMAL_IMPORTANT_DIFFERENCE})
