"""What may be shown: the one place that decides, so that renderers cannot leak by mistake.

Rules (``k`` = ``min_responses``: the instrument's ``privacy.min_responses``, or higher)
---------------------------------------------------------------------------------------
0. **A promise with a floor.** ``k`` is the threshold the participant text promises, read from
   the instrument file; a run may raise it, never lower it (:func:`check_threshold`).
1. **Threshold.** A team with fewer than ``k`` respondents is *below threshold*: nothing about
   its scores appears anywhere, and not even its count (it reads "fewer than k").
2. **Complementary suppression of the organisation.** The organisation figures pool the visible
   teams and the below-threshold teams together only when the below-threshold teams hold at least
   ``k`` respondents between them. Otherwise (1 to k-1 hidden respondents) those respondents are
   *left out* of the organisation figures and counts, and the report says so; subtracting the
   visible teams from the organisation then reveals nobody.
3. **Within-team splits.** A team's PSW-only and colleague-only scores are shown only when both
   forms reach ``k``; otherwise only the combined score is shown (one shown form plus the
   combined score would reveal the other by differencing).
4. **Pooled PSW vs colleague gap.** Shown only when the pooled PSWs and the pooled colleagues
   each reach ``k``, and the respondents of each form *not* covered by a shown team split are
   either none or at least ``k`` (so the pooled figure minus the shown splits reveals nobody).

The renderers receive only what :class:`DisclosurePlan` lets through.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import CoproError
from .instrument import Instrument, load_instrument


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
    """The disclosure decisions for one report run.

    Attributes
    ----------
    teams : DataFrame
        ``team, n_psw, n_colleague, n, visible, split_visible``.
    min_responses : int
    organisation_teams : tuple of str
        Teams whose respondents the organisation figures pool.
    remainder_left_out : bool
        True when 1 to k-1 respondents of below-threshold teams are left out of the totals.
    pooled_gap : bool
        Whether the organisation's PSW vs colleague gap may be shown.
    notes : tuple of str
        Plain-language notes for the reader about what was withheld and why.
    """

    teams: pd.DataFrame
    min_responses: int
    organisation_teams: tuple[str, ...]
    remainder_left_out: bool
    pooled_gap: bool
    notes: tuple[str, ...]

    @property
    def visible_teams(self) -> list[str]:
        """Teams whose scores may be shown."""
        return self.teams.loc[self.teams["visible"], "team"].tolist()

    def is_visible(self, team: str) -> bool:
        """Whether ``team`` reaches the threshold."""
        return team in set(self.visible_teams)

    def organisation_rows(self, scores: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``scores`` the organisation figures may pool."""
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
    >>> plan.teams["split_visible"].tolist()
    [False, True, False]
    """
    k = check_threshold(instrument, min_responses)
    t = counts[["team", "n_psw", "n_colleague"]].copy()
    t["team"] = t["team"].astype(str)
    t["n"] = t["n_psw"] + t["n_colleague"]
    t["visible"] = t["n"] >= k
    t["split_visible"] = t["visible"] & (t["n_psw"] >= k) & (t["n_colleague"] >= k)
    notes = []

    hidden = int(t.loc[~t["visible"], "n"].sum())
    n_hidden_teams = int((~t["visible"]).sum())
    left_out = 0 < hidden < k
    org = t if not left_out else t[t["visible"]]
    if left_out:
        notes.append(
            f"{n_hidden_teams} team(s) below the reporting threshold hold fewer than {k} "
            "respondents between them; they are left out of the organisation figures and "
            "counts so that no one's answers can be worked out by subtraction.")
    elif hidden:
        notes.append(
            f"The organisation figures include the respondents of {n_hidden_teams} team(s) below "
            f"the reporting threshold (together at least {k}); those teams' own scores are not "
            "shown.")

    gap_ok = True
    for form in ("psw", "colleague"):
        pooled = int(org[f"n_{form}"].sum())
        uncovered = int(org.loc[~org["split_visible"], f"n_{form}"].sum())
        if pooled < k or 0 < uncovered < k:
            gap_ok = False
    if not gap_ok:
        notes.append(
            f"The organisation's PSW vs colleague comparison is withheld: one of the two groups "
            f"(or the part of it not already shown by team) has fewer than {k} respondents.")
    return DisclosurePlan(
        teams=t.reset_index(drop=True), min_responses=k,
        organisation_teams=tuple(org["team"]), remainder_left_out=left_out,
        pooled_gap=gap_ok, notes=tuple(notes))
