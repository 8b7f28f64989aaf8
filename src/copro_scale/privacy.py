"""What may be shown: the one place that decides, so that no writer can leak by mistake.

The plan is computed once per run (:func:`plan_for`) from the scored responses, the instrument
and the threshold, and every writer takes its figures through it: the report's pages, CSV and
JSON, the validation's JSON and HTML and ``copro score --favourable``. docs/privacy.md gives the
threat model and what these rules do not protect.

Rules (``k0`` = the instrument's ``privacy.min_responses``; ``k`` = the run's threshold, ``k0`` or higher)
----------------------------------------------------------------------------------------------------
Which respondents a figure pools (rules 2, 5's condition and 6) is decided at ``k0``, so that
runs at two thresholds never pool sets that differ by whoever the higher threshold moved.
Everything else follows ``k``: a raised threshold only ever hides more.

0. **A promise with a floor.** ``k`` is the threshold the participant text promises, read from
   the instrument file; a run may raise it, never lower it (:func:`check_threshold`).
1. **Threshold.** A team with fewer than ``k`` respondents is *below threshold*: nothing about
   its scores appears anywhere, and not even its count (it reads "fewer than k").
2. **Complementary suppression of the organisation.** The organisation figures pool the visible
   teams and the below-threshold teams together only when the below-threshold teams hold at least
   ``k`` respondents between them. Otherwise (1 to k-1 hidden respondents) those respondents are
   *left out* of the organisation figures and counts, and the report says so; subtracting the
   visible teams from the organisation then reveals nobody.
3. **Within-team splits.** A team's PSW-only and colleague-only figures are shown only when
   both forms reach ``k`` respondents with every cell scored (:func:`complete_rows`), exact
   per-form counts only when both forms' respondents reach ``k``; otherwise only the combined figure is
   shown, and a per-form count below ``k`` reads "fewer than k".
4. **Weights: nobody above 1/k.** A team's forms are weighted equally only when both reach
   ``k`` (each respondent then carries at most 1/(2k)). Otherwise its figures pool every
   respondent with equal weight (1/n <= 1/k): one PSW is never half of a team. Equal form
   weights on a small form would also let the pooled and the form-weighted figure of one team be
   solved for that form's answers. The organisation follows the same rule (rule 5's condition).
5. **Pooled per-form figures.** Organisation figures for one form (the PSW vs colleague gap, and
   every per-form statistic of the validation) are shown only when each form reaches ``k`` in
   the organisation, and the respondents of each form *not* covered by a shown team split are
   either none or at least ``k`` (so the pooled figure minus the shown splits reveals nobody).
6. **One population.** Every organisation-level figure of a run, the validation's included,
   rests on the same respondents: the organisation rows of rule 2. The validation leaves out
   careless responses of a form only when they are none or at least ``k``; otherwise it keeps
   them, because a figure with and one without 1 to k-1 people is a figure about those people.
7. **Enough answers.** A figure resting on fewer than ``k`` answers (a cell or an item most of a
   team skipped) is withheld.
8. **Every figure a set.** A figure is shown only where its set of respondents, and its
   difference with every other shown set, holds nobody or at least ``k`` (:func:`may_show`,
   :func:`isolated_groups`): score figures rest on respondents with every cell; the validation's
   item statistics are withheld where they and the teams' item shares would isolate fewer than
   ``k`` answerers, or 1 to k-1 of the cell's answerers answered part of it or miss another
   cell (:func:`validation_items`);
   a split team's share over every answer needs each form's answers none or at least ``k``
   (:meth:`DisclosurePlan.share_shown`); an exact organisation or service count must pin no
   below-threshold team's count (:func:`total_hides_teams`). Means are published to
   :data:`MEAN_DECIMALS` places and shares to whole percentages.

Published sets therefore nest: organisation > visible teams > split team forms, and
organisation > pooled forms; each set differs from the union of the shown sets inside it by no
one or by at least ``k`` respondents, and each figure over a set weights its respondents as one
linear rule, so no sum, difference or pair of weightings isolates fewer than ``k`` people.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .errors import CoproError
from .instrument import Instrument, load_instrument

#: Decimals of published means and scores (1-5 scale) and of validation item statistics.
MEAN_DECIMALS = 2
#: Decimals of published shares as fractions (2: whole percentages).
SHARE_DECIMALS = 2
#: What published files state in ``meta.precision`` (``copro audit`` reads it).
PRECISION = {"mean": MEAN_DECIMALS, "share": SHARE_DECIMALS, "item_statistics": MEAN_DECIMALS}


def published_validation(doc: dict) -> dict:
    """validation.json as it may be published: item statistics to :data:`MEAN_DECIMALS` places.

    Means, SDs and shares printed at full precision give each item's five answer counts for any
    form under about 10^4 respondents; rounded, they give them for fewer. What is left is
    withheld by the plan (:func:`validation_items`); the rounding narrows what the rest gives.
    """
    import copy

    out = copy.deepcopy(doc)
    for sec in out.get("forms", {}).values():
        for scale in sec.get("reliability", []) or []:
            st = scale.get("item_stats")
            if isinstance(st, dict):
                st["data"] = [[v if v is None or c == "n" else round(float(v), MEAN_DECIMALS)
                               for c, v in zip(st["columns"], row)] for row in st["data"]]
    return out


def check_threshold(instrument: Instrument | None = None, min_responses: int | None = None, *,
                    field: str = "min_responses") -> int:
    """The reporting threshold of a run: the instrument's promise, or a higher one asked for.

    Parameters
    ----------
    instrument : Instrument, optional
        Whose ``min_responses`` (``privacy.min_responses`` in its file) the participants were
        promised (default: the packaged instrument).
    min_responses : int, optional
        A threshold asked for; None means the instrument's.
    field : str
        How the error names the setting (the CLI passes ``--min-responses``).

    Raises
    ------
    CoproError
        When ``min_responses`` is below the instrument's threshold: it can only be raised.

    Examples
    --------
    >>> check_threshold(), check_threshold(None, 8)
    (5, 8)
    >>> check_threshold(None, 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    copro_scale.errors.CoproError: field 'min_responses': 3 is below the threshold of 5 ...
    """
    inst = instrument if instrument is not None else load_instrument()
    promise = inst.min_responses
    if min_responses is None:
        return promise
    if isinstance(min_responses, bool) or int(min_responses) != min_responses:
        raise CoproError(f"must be a whole number, not {min_responses!r}", field=field)
    if int(min_responses) < promise:
        raise CoproError(
            f"{int(min_responses)} is below the threshold of {promise} that the instrument "
            f"({inst.name} v{inst.version}, privacy.min_responses) promises participants; "
            "it can only be raised", field=field)
    return int(min_responses)


@dataclass(frozen=True)
class DisclosurePlan:
    """The disclosure decisions for one run.

    Attributes
    ----------
    teams : DataFrame
        ``team, n_psw, n_colleague, n, visible, split_visible, weights``.
    min_responses : int
        The run's threshold ``k``: which teams' pages and figures are shown (rule 1).
    promise : int
        The instrument's threshold ``k0 <= k``. Which respondents the organisation figures pool,
        how a team weights its forms, whether per-form pools may be shown and which careless rows
        the validation keeps are decided with it, so a run at a raised threshold publishes the
        same organisation figures as one at ``k0``: two runs cannot be differenced. What is
        *displayed* (team pages, splits, counts, figures on few answers) follows ``k``.
    organisation_teams : tuple of str
        Teams whose respondents the organisation figures pool.
    remainder_left_out : bool
        True when 1 to k-1 respondents of below-threshold teams are left out of the totals.
    pooled_gap : bool
        Whether organisation figures for one form may be shown (rule 5): the PSW vs colleague
        gap and the validation's per-form statistics.
    notes : tuple of str
        Plain-language notes for the reader about what was withheld and why.
    per_form_note : str
        Why organisation figures of one form are withheld ("" when they are shown).
    organisation_count_shown : bool
        Whether the organisation's exact count may be shown: its teams below ``k`` hold none, or
        a total that pins none of their counts (:func:`total_hides_teams`; otherwise the
        organisation minus the visible teams gives them).
    """

    teams: pd.DataFrame
    min_responses: int
    promise: int
    organisation_teams: tuple[str, ...]
    remainder_left_out: bool
    pooled_gap: bool
    notes: tuple[str, ...]
    per_form_note: str = ""
    organisation_count_shown: bool = True

    @property
    def visible_teams(self) -> list[str]:
        """Teams whose scores may be shown."""
        return self.teams.loc[self.teams["visible"], "team"].tolist()

    @property
    def per_form_pools(self) -> bool:
        """Whether organisation-wide figures of one form may be shown (rule 5)."""
        return self.pooled_gap

    @property
    def organisation_weights(self) -> str:
        """How the organisation figures weight the forms (rule 4)."""
        return "forms_equal" if self.pooled_gap else "respondents"

    @cached_property
    def _first_row(self) -> dict:
        """Position in ``teams`` of each team's first row, so a per-team look-up does not scan
        every team (a run asks per team and per statement)."""
        first: dict = {}
        for i, t in enumerate(self.teams["team"]):
            first.setdefault(t, i)
        return first

    def _team_row(self, team: str) -> pd.DataFrame:
        """``team``'s first row of ``teams`` (none when it has none)."""
        i = self._first_row.get(str(team))
        return self.teams.iloc[:0] if i is None else self.teams.iloc[[i]]

    @cached_property
    def _visible_set(self) -> frozenset:
        return frozenset(self.visible_teams)

    @cached_property
    def _split_visible_set(self) -> frozenset:
        return frozenset(self.teams.loc[self.teams["split_visible"], "team"])

    def is_visible(self, team: str) -> bool:
        """Whether ``team`` reaches the threshold."""
        return team in self._visible_set

    def weights(self, team: str) -> str:
        """How ``team``'s figures weight its forms: ``forms_equal`` only when both reach k."""
        row = self._team_row(team)
        return str(row["weights"].iloc[0]) if len(row) else "respondents"

    def organisation_rows(self, scores: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``scores`` the organisation figures (and the validation) may pool."""
        return scores[scores["team"].astype(str).isin(self.organisation_teams)]

    def only_visible(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a per-team ``frame`` (with a ``team`` column) for visible teams only."""
        return frame[frame["team"].astype(str).isin(self.visible_teams)]

    def only_split_visible(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of a per-team ``frame`` for teams whose PSW/colleague split may be shown."""
        ok = self.teams.loc[self.teams["split_visible"], "team"]
        return frame[frame["team"].astype(str).isin(ok)]

    def count_text(self, n: int) -> str:
        """A count as it may be shown: the number, or "fewer than k".

        Examples
        --------
        >>> import pandas as pd
        >>> plan = disclosure_plan(pd.DataFrame({"team": ["A"], "n_psw": [1], "n_colleague": [2]}))
        >>> plan.count_text(3), plan.count_text(12)
        ('fewer than 5', '12')
        """
        return f"fewer than {self.min_responses}" if n < self.min_responses else str(int(n))

    def form_counts(self, team: str) -> dict[str, str | None]:
        """A visible team's per-form counts as they may be shown (rule 3).

        Exact when both forms reach k. Otherwise the small form reads "fewer than k" and the
        other "at least n-k+1": its exact count would give the small one away by subtraction
        from the team's total. When both are below k, neither is shown: "fewer than k" twice
        with a total of 2(k-1) would pin both. None for a team below the threshold.

        Examples
        --------
        >>> import pandas as pd
        >>> c = pd.DataFrame({"team": ["A", "B"], "n_psw": [1, 6], "n_colleague": [8, 5]})
        >>> plan = disclosure_plan(c)
        >>> plan.form_counts("A"), plan.form_counts("B")
        ({'psw': 'fewer than 5', 'colleague': 'at least 5'}, {'psw': '6', 'colleague': '5'})
        """
        row = self._team_row(team)
        if not len(row) or not bool(row["visible"].iloc[0]):
            return {"psw": None, "colleague": None}
        r = row.iloc[0]
        k = self.min_responses
        small = {f: int(r[f"n_{f}"]) < k for f in ("psw", "colleague")}
        if not any(small.values()):  # both forms' respondents reach k (split or not)
            return {"psw": str(int(r["n_psw"])), "colleague": str(int(r["n_colleague"]))}
        if all(small.values()):  # both below k: with the total, two bounds would meet
            return {f: "not shown" for f in small}
        return {f: (f"fewer than {k}" if small[f] else f"at least {int(r['n']) - k + 1}")
                for f in ("psw", "colleague")}

    def view_text(self, team: str) -> str:
        """Whose view a visible team's figures rest on, in one sentence for the page.

        Examples
        --------
        >>> import pandas as pd
        >>> c = pd.DataFrame({"team": ["A", "B", "C"], "n_psw": [1, 6, 0], "n_colleague": [8, 5, 7]})
        >>> plan = disclosure_plan(c)
        >>> print(plan.view_text("A"))
        These figures rest on 9 responses: fewer than 5 from peer support workers and at least 5 from colleagues. With fewer than 5 on one form, every response counts once (1/9 each), so no one's answers weigh more than the threshold allows.
        >>> print(plan.view_text("C"))
        These figures rest on 7 responses, all from colleagues: no peer support worker answered, so they say how colleagues see the PSWs' position, not how PSWs see it.
        """
        row = self._team_row(team)
        if not len(row) or not bool(row["visible"].iloc[0]):
            return f"Fewer than {self.min_responses} people answered, so nothing is shown."
        r = row.iloc[0]
        n, c = int(r["n"]), self.form_counts(team)
        if bool(r["split_visible"]):
            return (f"These figures rest on {n} responses: {c['psw']} from peer support workers "
                    f"and {c['colleague']} from colleagues. Each form counts half, so the PSWs' "
                    "own view weighs as much as their colleagues'.")
        if int(r["n_psw"]) == 0:
            return (f"These figures rest on {n} responses, all from colleagues: no peer support "
                    "worker answered, so they say how colleagues see the PSWs' position, not "
                    "how PSWs see it.")
        if int(r["n_colleague"]) == 0:
            return (f"These figures rest on {n} responses, all from peer support workers: no "
                    "colleague answered.")
        if c["psw"] == "not shown":
            return (f"These figures rest on {n} responses from peer support workers and colleagues, "
                    f"fewer than {self.min_responses} on each form, so every response counts once "
                    f"(1/{n} each) and the split is not shown.")
        if c["psw"].isdigit() and c["colleague"].isdigit():
            return (f"These figures rest on {n} responses: {c['psw']} from peer support workers "
                    f"and {c['colleague']} from colleagues, but fewer than {self.min_responses} on "
                    "one form answered every part, so every response counts once and the split "
                    "is not shown.")
        return (f"These figures rest on {n} responses: {c['psw']} from peer support workers and "
                f"{c['colleague']} from colleagues. With fewer than {self.min_responses} on one "
                f"form, every response counts once (1/{n} each), so no one's answers weigh more "
                "than the threshold allows.")

    def validation_rows(self, frame: pd.DataFrame, careless: pd.Series | None = None) -> pd.Series:
        """Which rows of a responses ``frame`` the validation analyses (rules 2, 5 and 6).

        The organisation's respondents; of these, a form's careless responses are left out only
        when they are none or at least k. A form whose per-form figures the plan withholds
        (rule 5) gets no rows.
        """
        keep = frame["team"].astype(str).isin(self.organisation_teams)
        if not self.pooled_gap:
            return keep & False
        if careless is not None:
            careless = careless.reindex(frame.index, fill_value=False).astype(bool)
            for form in ("psw", "colleague"):
                drop = keep & careless & (frame["form"] == form)
                if int(drop.sum()) >= self.promise:
                    keep &= ~drop
        return keep

    def enough(self, n_answered) -> bool:
        """Whether a figure resting on ``n_answered`` answers may be shown (rule 7).

        Examples
        --------
        >>> import pandas as pd
        >>> plan = disclosure_plan(pd.DataFrame({"team": ["A"], "n_psw": [5], "n_colleague": [5]}))
        >>> plan.enough(4), plan.enough(5)
        (False, True)
        """
        return int(n_answered) >= self.min_responses

    def share_shown(self, team: str, psw: int, colleague: int) -> bool:
        """Whether a team's statement share over every answer may be shown (rules 7 and 8).

        ``psw`` and ``colleague`` are how many of each form answered the statement. The share
        rests on at least k answers (rule 7). In a team whose forms are shown apart (rule 3),
        each form's answers are also none or at least k: the share's answers minus one form's
        (whose figures and exact count the team's page shows) would otherwise be the few answers
        of the other form (rule 8), however the share is weighted.

        Examples
        --------
        >>> import pandas as pd
        >>> plan = disclosure_plan(pd.DataFrame({"team": ["A", "B"], "n_psw": [5, 1],
        ...                                      "n_colleague": [9, 9]}))
        >>> plan.share_shown("A", 4, 9), plan.share_shown("A", 5, 9), plan.share_shown("A", 0, 9)
        (False, True, True)
        >>> plan.share_shown("B", 1, 9), plan.share_shown("B", 1, 3)
        (True, False)
        """
        psw, colleague = int(psw), int(colleague)
        if not self.enough(psw + colleague):
            return False
        if str(team) not in self._split_visible_set:
            return True
        return all(n == 0 or self.enough(n) for n in (psw, colleague))

    def shares_shown(self, answered: pd.DataFrame) -> pd.Series:
        """:meth:`share_shown` for each row of ``answered`` (``team, psw, colleague``)."""
        rows = answered[["team", "psw", "colleague"]].itertuples(index=False)
        return pd.Series([self.share_shown(*r) for r in rows], index=answered.index, dtype=bool)

    def withhold_shares(self, table: pd.DataFrame, answered: pd.DataFrame,
                        cells: dict) -> pd.DataFrame:
        """``table`` (``team`` and one column per item and cell) with the shares the plan
        withholds blanked: an item's where :meth:`share_shown` says no, and a cell's holding one.

        ``answered`` gives how many answered each item, indexed by ``(team, form)``; ``cells``
        maps a cell column to its items.
        """
        out = table.copy()
        for i, team in out["team"].astype(str).items():
            n = {g: answered.loc[(team, g)] if (team, g) in answered.index else None
                 for g in ("psw", "colleague")}
            hidden = {it for it in answered.columns if it in out.columns and not self.share_shown(
                team, *(0 if n[g] is None else int(n[g][it]) for g in ("psw", "colleague")))}
            hidden |= {c for c, items in cells.items() if c in out.columns and hidden & set(items)}
            out.loc[i, sorted(hidden)] = np.nan
        return out

    def withhold_few(self, frame: pd.DataFrame, columns, n: str = "n") -> pd.DataFrame:
        """``frame`` with ``columns`` blanked (NaN) in rows resting on fewer than k answers (rule 7)."""
        out = frame.copy()
        few = ~out[n].map(self.enough).astype(bool)
        out.loc[few, [c for c in columns if c in out.columns]] = np.nan
        return out

    def remainder_ok(self, n_whole: int, n_shown: int) -> bool:
        """Whether a figure over ``n_whole`` people may be shown beside figures over ``n_shown``
        of them: it rests on at least k, and the rest is nobody or at least k (rule 2)."""
        rest = int(n_whole) - int(n_shown)
        return self.enough(n_whole) and (rest == 0 or self.enough(rest))

    def organisation_count(self) -> int | str:
        """The organisation's count as it may be shown (exact, or "at least" the visible teams)."""
        org = self.teams[self.teams["team"].isin(self.organisation_teams)]
        if self.organisation_count_shown:
            return int(org["n"].sum())
        return f"at least {int(org.loc[org['visible'], 'n'].sum())}"

    def organisation_form_count(self, n: int) -> int | str:
        """A count of one form's respondents in the organisation as it may be shown.

        Exact only where the organisation's count is (:attr:`organisation_count_shown`): the
        two forms' counts add up to it, so the organisation's count minus its visible teams'
        would give the teams below the threshold away (rule 8).

        Examples
        --------
        >>> import pandas as pd
        >>> c = pd.DataFrame({"team": ["A", "B"], "n_psw": [9, 0], "n_colleague": [9, 5]})
        >>> disclosure_plan(c, 5).organisation_form_count(9), disclosure_plan(c, 6).organisation_form_count(9)
        (9, 'withheld')
        """
        return int(n) if self.organisation_count_shown else "withheld"

    def may_show(self, members, published=()) -> bool:
        """Whether a figure over ``members`` may be shown beside the ``published`` sets (rule 8).

        See :func:`may_show`; the threshold is the plan's ``k``.
        """
        return may_show(members, published, self.min_responses)

    def complete_cells(self, scores: pd.DataFrame, cells) -> pd.DataFrame:
        """The rows whose score figures may be published: every cell scored (rule 8).

        A respondent with a missing cell has face and construct scores that average fewer cells
        than everyone else's, so a group's faces minus its constructs (or its cells minus its
        faces) is a figure about them alone. Their answers still count in the item figures.
        """
        cells = [c for c in cells if c in scores.columns]
        return scores[scores[cells].notna().all(axis=1)] if cells else scores


def may_show(members, published=(), k: int | None = None) -> bool:
    """Whether a figure over the set ``members`` may be shown beside the ``published`` sets.

    The set, and its difference with every published set, holds nobody or at least ``k``
    people: ``S``, ``S - T`` and ``T - S`` for each published ``T``; ``S`` minus the union of the
    published sets inside it; and each published ``T`` containing ``S`` minus the union of the
    sets inside it with ``S`` among them (a parent minus its shown teams). Sets are of any
    hashable ids (respondents, or respondent-item pairs). Linear combinations beyond unions and
    differences are checked by :func:`isolated_groups` and ``copro audit``.

    Examples
    --------
    >>> team, parent = set(range(8)), set(range(12))
    >>> may_show(team, [], 5), may_show(parent, [team], 5), may_show(set(range(10)), [team], 5)
    (True, False, False)
    >>> may_show(set(range(13)), [team], 5), may_show(set(range(4)), [], 5)
    (True, False)
    """
    k = check_threshold(None, k)
    s = frozenset(members)
    ok = lambda n: n == 0 or n >= k
    if not ok(len(s)):
        return False
    sets = [frozenset(t) for t in published]
    for t in sets:
        if not (ok(len(s - t)) and ok(len(t - s))):
            return False
    inside = [t for t in sets if t < s]
    if inside and not ok(len(s - frozenset().union(*inside))):
        return False
    for t in sets:
        if s < t:
            parts = [u for u in sets if u < t] + [s]
            if not ok(len(t - frozenset().union(*parts))):
                return False
    return True


def isolated_groups(rows, sizes, k: int) -> list[list[int]]:
    """Groups of fewer than ``k`` people that linear combinations of published figures isolate.

    ``rows`` (figures x atoms) gives each figure's weight on each atom's sum (an atom is a set
    of people the figures never split, e.g. a team's PSWs); ``sizes`` the people in each atom.
    A figure combination is about a group when it is a nonzero vector of the rows' span that is
    zero outside the group. The span's part inside the atoms smaller than ``k`` is found as the
    left null space of the other columns; each row of its reduced echelon basis whose atoms
    hold 1 to k-1 people is returned (as atom indices).

    Examples
    --------
    >>> import numpy as np
    >>> org_and_teams = np.array([[1, 1, 1], [1, 1, 0]])   # organisation, and a team of 2 atoms
    >>> isolated_groups(org_and_teams, [6, 6, 3], 5)        # organisation minus team = atom 2
    [[2]]
    >>> isolated_groups(org_and_teams, [6, 6, 7], 5)
    []
    """
    a = np.atleast_2d(np.asarray(rows, dtype=float))
    sizes = np.asarray(sizes)
    if not a.size:
        return []
    live = sizes > 0
    small = live & (sizes < k)
    if not small.any():
        return []
    big = a[:, live & ~small]
    y = _left_null_space(big) if big.shape[1] else np.eye(a.shape[0])
    if not y.size:
        return []
    w = y.T @ a[:, small]
    idx = np.flatnonzero(small)
    out = []
    for row in _rref(w):
        support = idx[np.abs(row) > 1e-9]
        if 0 < sizes[support].sum() < k:
            out.append(support.tolist())
    return out


#: Left null spaces of the latest matrices :func:`isolated_groups` was given. The validation asks
#: once per item and form (72 times) about a few distinct matrices of the shown figures over the
#: atoms of k or more (8 on 500 teams), each an SVD cubic in the teams.
_NULL_SPACES: OrderedDict = OrderedDict()
_NULL_SPACES_SIZE = 8


def _left_null_space(big: np.ndarray) -> np.ndarray:
    """``scipy.linalg.null_space(big.T)``, computed once per distinct ``big`` (read-only)."""
    from scipy.linalg import null_space

    big = np.ascontiguousarray(big, dtype=float)
    key = (big.shape, hashlib.blake2b(big.tobytes(), digest_size=20).digest())
    y = _NULL_SPACES.get(key)
    if y is None:
        y = null_space(big.T)
        y.flags.writeable = False
        _NULL_SPACES[key] = y
        while len(_NULL_SPACES) > _NULL_SPACES_SIZE:
            _NULL_SPACES.popitem(last=False)
    _NULL_SPACES.move_to_end(key)
    return y


def _rref(m: np.ndarray, tol: float = 1e-9) -> list[np.ndarray]:
    """Nonzero rows of the reduced row echelon form (numpy has none; scipy neither)."""
    m = m.astype(float).copy()
    rows, cols = m.shape
    r = 0
    for c in range(cols):
        if r == rows:
            break
        p = r + int(np.argmax(np.abs(m[r:, c])))
        if abs(m[p, c]) < tol:
            continue
        m[[r, p]] = m[[p, r]]
        m[r] /= m[r, c]
        for i in range(rows):
            if i != r:
                m[i] -= m[i, c] * m[r]
        r += 1
    return [m[i] for i in range(r)]


def validation_items(responses: pd.DataFrame, rows: pd.Series, plan: DisclosurePlan,
                     instrument: Instrument) -> dict[str, set[str]]:
    """Items whose per-form validation statistics the plan withholds, per form (rule 8).

    A form's item statistics (n, mean, SD, floor, ceiling give its five answer counts) are
    withheld where, with the report's item shares of the visible teams, they isolate a group of
    1 to k-1 answerers (:func:`isolated_groups` over team x form x analysed atoms), or where 1 to
    k-1 of the form's analysed respondents answered some but not all items of the item's cell
    (their cell score then differs from the mean of their answers) or answered some of its items
    but miss another cell (the score figures leave them out, :func:`complete_rows`): the item
    means and the per-form face and construct figures would give their answers.
    """
    k = plan.min_responses
    out: dict[str, set[str]] = {"psw": set(), "colleague": set()}
    team = responses["team"].astype(str)
    form = responses["form"].astype(str)
    visible = set(plan.visible_teams)
    split = set(plan.teams.loc[plan.teams["split_visible"], "team"])
    atoms = pd.MultiIndex.from_arrays([team, form, rows.reindex(responses.index, fill_value=False)])
    keys = list(dict.fromkeys(atoms))
    pos = {a: i for i, a in enumerate(keys)}
    col = np.array([pos[a] for a in atoms])
    # the score figures rest on respondents with every cell scored (rule 8); the item
    # statistics on every answerer: those of a cell's answerers with part of the cell, or with
    # another cell missing, are the difference
    whole = complete_rows(responses, instrument)
    for f, withheld in out.items():
        analysed = rows & (form == f)
        for c in {(it.construct, it.face) for it in instrument.items}:
            ids = [it.id for it in instrument.cell_items(*c)]
            answered = responses.loc[analysed, ids].notna().sum(axis=1)
            apart = int(((answered > 0) & ((answered < len(ids)) | ~whole[analysed])).sum())
            if 0 < apart < k:
                withheld.update(ids)
    for it in instrument.items:
        answered = responses[it.id].notna().to_numpy()
        sizes = np.bincount(col[answered], minlength=len(keys))
        shown, covered = [], np.zeros(len(keys))
        for t in visible:
            n_form = {g: int(sum(sizes[i] for i, a in enumerate(keys) if a[0] == t and a[1] == g))
                      for g in ("psw", "colleague")}
            for view_forms, ok in ((("psw", "colleague"), plan.share_shown(t, **n_form)),
                                   (("psw",), t in split)):
                members = [i for i, a in enumerate(keys) if a[0] == t and a[1] in view_forms]
                if ok and plan.enough(sizes[members].sum()):
                    shown.append(np.isin(np.arange(len(keys)), members).astype(float))
                    covered[members] = 1
        # bounds and whole counts pin more than the span: any analysed answerer no shown share
        # covers (a withheld share, a split team's few PSWs, a pooled hidden team) withholds
        analysed = np.array([bool(a[2]) for a in keys])
        if (sizes[analysed & (covered == 0)] > 0).any():
            out["psw"].add(it.id)
            out["colleague"].add(it.id)
        for f, withheld in out.items():
            if it.id in withheld:
                continue
            v = np.array([a[1] == f and bool(a[2]) for a in keys], dtype=float)
            others = [np.array([a[1] == g and bool(a[2]) for a in keys], dtype=float)
                      for g in out if g != f and it.id not in out[g]]
            if isolated_groups(np.array(shown + others + [v]), sizes, k):
                withheld.add(it.id)
    return out


def total_hides_teams(sizes, k: int) -> bool:
    """Whether the exact total of teams shown as "fewer than k" keeps each one's count unknown.

    Each such team holds 1 to k-1 people; beside the visible teams' counts, an exact total
    gives their sum. With none, or a sum of at least k that neither 1 nor k-1 per team
    accounts for, no team's count follows from it; one team alone, or two of k-1 each (a sum
    of 2(k-1)), would be pinned (rule 1: not even a count).

    Examples
    --------
    >>> total_hides_teams([], 5), total_hides_teams([4], 5), total_hides_teams([4, 4], 5)
    (True, False, False)
    >>> total_hides_teams([4, 3], 5), total_hides_teams([1, 1, 1, 1, 1], 5)
    (True, False)
    """
    total, m = int(sum(sizes)), len(sizes)
    if total == 0:
        return True
    return total >= k and total != m * (k - 1) and total != m


def disclosure_plan(counts: pd.DataFrame, min_responses: int | None = None, *,
                    instrument: Instrument | None = None) -> DisclosurePlan:
    """Decide what may be shown, from respondent counts per team and form.

    Parameters
    ----------
    counts : DataFrame
        ``team, n_psw, n_colleague`` (as :func:`copro_scale.aggregate.team_counts` returns).
    min_responses : int, optional
        The threshold ``k`` (default: the instrument's; never below it, see
        :func:`check_threshold`).
    instrument : Instrument, optional
        Whose promise the threshold keeps (default: the packaged instrument).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"team": ["A", "B", "C"], "n_psw": [2, 5, 1], "n_colleague": [8, 5, 2]})
    >>> plan = disclosure_plan(c, 5)
    >>> plan.visible_teams, plan.organisation_teams, plan.remainder_left_out
    (['A', 'B'], ('A', 'B'), True)
    >>> plan.teams["split_visible"].tolist(), plan.teams["weights"].tolist()
    ([False, True, False], ['respondents', 'forms_equal', 'respondents'])
    """
    k = check_threshold(instrument, min_responses)
    k0 = (instrument if instrument is not None else load_instrument()).min_responses
    t = counts[["team", "n_psw", "n_colleague"]].copy()
    t["team"] = t["team"].astype(str)
    t["n"] = t["n_psw"] + t["n_colleague"]
    t["visible"] = t["n"] >= k
    # Everything but a team's own visibility is decided at the promise k0, so that a run at a
    # raised k publishes the same organisation figures as a run at k0 (no cross-run difference).
    # per-form figures rest on the respondents with every cell scored (rule 8), where known
    whole = [counts[f"n_{f}_complete"] if f"n_{f}_complete" in counts.columns else t[f"n_{f}"]
             for f in ("psw", "colleague")]
    split0 = (whole[0] >= k0) & (whole[1] >= k0)
    t["split_visible"] = t["visible"] & (whole[0] >= k) & (whole[1] >= k)
    # the label says how the figure is weighted: forms equally only where both forms reach k
    t["weights"] = t["split_visible"].map({True: "forms_equal", False: "respondents"})
    notes = []

    below0 = t["n"] < k0
    hidden = int(t.loc[below0, "n"].sum())
    n_hidden_teams = int(below0.sum())
    left_out = 0 < hidden < k0
    org = t if not left_out else t[~below0]
    if left_out:
        notes.append(
            f"{n_hidden_teams} team(s) with fewer than {k0} respondents hold fewer than {k0} "
            "between them; they are left out of the organisation figures and counts so that no "
            "one's answers can be worked out by subtraction.")
    n_included = int((~t["visible"] & t["team"].isin(org["team"])).sum())
    if n_included:
        notes.append(
            f"The organisation figures include the respondents of {n_included} team(s) below "
            f"the reporting threshold of {k} (at least {k0} people in every group that could be "
            "taken away); those teams' own scores are not shown.")

    gap_ok = True
    for form in ("psw", "colleague"):
        pooled = int(org[f"n_{form}"].sum())
        for kk, split in ((k0, split0), (k, t["split_visible"])):  # at the promise and at k
            uncovered = int(org.loc[~split[org.index], f"n_{form}"].sum())
            if pooled < kk or 0 < uncovered < kk:
                gap_ok = False
    per_form_note = ""
    if not gap_ok:
        per_form_note = (
            f"Organisation figures for one form (the PSW vs colleague comparison, and the "
            f"validation's per-form statistics) are withheld: one of the two groups (or the part "
            f"of it not already shown by team) has fewer than {k} respondents. The organisation's "
            "figures count every response once.")
        notes.append(per_form_note)
    hidden_now = org.loc[~t.loc[org.index, "visible"], "n"]
    return DisclosurePlan(
        teams=t.reset_index(drop=True), min_responses=k, promise=k0,
        organisation_teams=tuple(org["team"]), remainder_left_out=left_out,
        pooled_gap=gap_ok, notes=tuple(notes), per_form_note=per_form_note,
        organisation_count_shown=total_hides_teams(hidden_now.tolist(), k))


def plan_for(scores: pd.DataFrame, instrument: Instrument | None = None,
             min_responses: int | None = None) -> DisclosurePlan:
    """The run's plan, from per-response rows with ``team`` and ``form`` (scores or responses).

    Examples
    --------
    >>> from copro_scale.simulate import simulate
    >>> plan = plan_for(simulate(3, 8, seed=1).responses)
    >>> len(plan.visible_teams), plan.min_responses
    (3, 5)
    """
    from .aggregate import (
        team_counts,  # aggregate is a later stage's module; no cycle at import
    )

    counts = team_counts(scores)
    whole = complete_rows(scores, instrument if instrument is not None else load_instrument())
    if whole is not None:
        tab = pd.crosstab(scores["team"].astype(str)[whole], scores["form"].astype(str)[whole])
        for f in ("psw", "colleague"):
            got = tab[f] if f in tab.columns else pd.Series(dtype="int64")
            counts[f"n_{f}_complete"] = counts["team"].astype(str).map(got).fillna(0).astype(int)
    return disclosure_plan(counts, min_responses, instrument=instrument)


def complete_rows(frame: pd.DataFrame, instrument: Instrument) -> pd.Series | None:
    """Which rows have every cell scored (the rows score figures rest on, rule 8), from the
    cell scores where ``frame`` has them, else from its items with the scoring's rule (a cell
    needs half its items answered); None when it has neither.
    """
    cells = list(instrument.cells)
    if all(c in frame.columns for c in cells):
        return frame[cells].notna().all(axis=1)
    ids = instrument.item_ids
    if not all(i in frame.columns for i in ids):
        return None
    from .scoring import keyed_matrix

    answered = ~np.isnan(keyed_matrix(frame, instrument))
    ok = np.ones(len(frame), dtype=bool)
    for cell in cells:
        cols = [ids.index(it.id) for it in instrument.cell_items(*cell.split("."))]
        ok &= answered[:, cols].sum(axis=1) >= int(np.ceil(0.5 * len(cols) - 1e-9))
    return pd.Series(ok, index=frame.index)


def parent_plan(plan: DisclosurePlan, team_parents: dict) -> pd.DataFrame:
    """Which service lines or directorates (a team list's ``parent`` column) may be shown.

    A parent pools the respondents of every team beneath it, shown or not: that is how a team
    below the threshold is seen at all. It is shown when it holds at least ``k`` respondents and
    its *uncovered* respondents - those of its below-threshold teams not inside a shown parent
    beneath it - are none or at least ``k``, so that subtracting the shown teams and shown
    sub-parents from it reveals nobody; failing parents are withheld innermost first, since
    withholding one can bring the remainder of those above it to ``k``. The organisation is
    held to the same: a parent whose display would leave the organisation with 1 to k-1
    uncovered respondents is withheld (the largest such parent first, until none is left). The sets are nested, so every sum or
    difference of shown figures is a sum of these remainders, each none or at least ``k``.

    Parameters
    ----------
    plan : DisclosurePlan
    team_parents : dict
        Team -> parent path (``"Directorate > Service"``, outermost first); teams without a
        parent are left out.

    Returns
    -------
    DataFrame
        ``parent`` (the full path), ``name`` (its last level), ``depth`` (0 = outermost),
        ``above`` (the path of the parent above it, or ""), ``teams`` (tuple of every team
        beneath it), ``n``, ``hidden`` (respondents of its below-threshold teams), ``visible``,
        ``count`` (as it may be shown: exact where its, its sub-parents' and the organisation's
        counts pin no team below k, :func:`total_hides_teams`; else "at least" its visible
        teams' total).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"team": ["A", "B", "C", "D"], "n_psw": [1, 2, 3, 1],
    ...                   "n_colleague": [8, 1, 1, 5]})
    >>> p = parent_plan(disclosure_plan(c), {"A": "Acute", "B": "Acute", "C": "Acute",
    ...                                       "D": "Community"})
    >>> p[["parent", "n", "hidden", "visible"]].values.tolist()
    [['Acute', 16, 7, True], ['Community', 6, 0, True]]

    Were team C in no parent, Acute would hide 3 (B alone) and be withheld.
    """
    t = plan.teams.set_index("team")
    k = plan.min_responses
    members: dict[str, list] = {}
    for team, path in team_parents.items():
        if path is None or pd.isna(path) or str(team) not in t.index:
            continue
        levels = [x.strip() for x in str(path).split(">")]
        for d in range(len(levels)):
            members.setdefault(" > ".join(levels[:d + 1]), []).append(str(team))
    rows = []
    for parent, teams in members.items():
        levels = parent.split(" > ")
        sub = t.loc[teams]
        rows.append({"parent": parent, "name": levels[-1], "depth": len(levels) - 1,
                         "above": " > ".join(levels[:-1]), "teams": tuple(teams),
                         "n": int(sub["n"].sum()), "hidden": int(sub.loc[~sub["visible"], "n"].sum())})
    out = pd.DataFrame(rows, columns=["parent", "name", "depth", "above", "teams", "n", "hidden"])
    if not len(out):
        return out.assign(visible=pd.Series(dtype=bool), count=pd.Series(dtype=object))
    shown = set(out.loc[out["n"] >= k, "parent"])
    hidden = dict(zip(out["parent"], out["hidden"]))
    org = set(plan.organisation_teams)
    org_hidden = int(t.loc[[x for x in t.index if x in org and not t.loc[x, "visible"]], "n"].sum())

    def inside(a, b):  # parent a strictly beneath b ("" = the organisation)
        return a != b and (b == "" or a.startswith(b + " > "))

    def uncovered(x, total):
        tops = [y for y in shown if inside(y, x)
                and not any(inside(y, z) and inside(z, x) for z in shown)]
        return total - sum(hidden[y] for y in tops)

    def bad(v):
        return 0 < v < k

    while True:
        wrong = [x for x in shown if bad(uncovered(x, hidden[x]))]
        if wrong:  # innermost first: withholding a parent can settle the ones above it
            shown -= {x for x in wrong if not any(inside(y, x) for y in wrong)}
            continue
        if not bad(org_hidden) and bad(uncovered("", org_hidden)):
            tops = [y for y in shown if not any(inside(y, z) for z in shown)]
            shown.discard(max(tops, key=lambda y: (hidden[y], y)))
            continue
        break
    out["visible"] = out["parent"].isin(shown)
    # A shown count minus the visible teams' and the exactly counted sets inside it (sub-parents;
    # for the organisation, the parents) is a total of teams below k: exact only where every
    # such total pins none of them (total_hides_teams), else "at least" the visible teams'.
    small = {x: int(t.loc[x, "n"]) for x in t.index if not t.loc[x, "visible"]}
    teams_of = dict(zip(out["parent"], out["teams"]))
    exact = {x for x in shown if total_hides_teams([small[y] for y in teams_of[x] if y in small], k)}

    def rest(x, pool):  # small teams of ``pool`` outside the exact sets strictly inside x
        inner = set().union(*[set(teams_of[y]) for y in exact if inside(y, x)])
        return [small[y] for y in pool if y in small and y not in inner]

    while True:
        wrong = {x for x in exact if not total_hides_teams(rest(x, teams_of[x]), k)}
        if not wrong and plan.organisation_count_shown and exact and not total_hides_teams(
                rest("", [y for y in org]), k):
            wrong = {max(exact, key=lambda y: (-y.count(" > "), y))}  # outermost first
        if not wrong:
            break
        exact -= {x for x in wrong if not any(inside(y, x) for y in wrong)}  # innermost first
    out["count"] = [int(n) if x in exact else f"at least {int(n) - int(h)}"
                    for x, n, h in zip(out["parent"], out["n"], out["hidden"])]
    return out.sort_values(["parent"], kind="stable").reset_index(drop=True)
