"""What every reader returns: :class:`Responses`, the validated table plus its exclusion log.

The canonical responses table has the columns ``response_id`` (str), ``team`` (str), ``role``
(an instrument role code), ``form`` (``psw`` | ``colleague``), ``months_in_role`` (Int64, may
be NA), optionally ``duration_s`` (float seconds, when the source has it), then one column per
item id in instrument order, dtype ``Int8`` holding 1-5 or <NA>.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..instrument import Instrument

#: Metadata columns of the canonical table, in order (``duration_s`` only when known).
META_COLUMNS: tuple[str, ...] = ("response_id", "team", "role", "form", "months_in_role")
#: Columns of the exclusion log.
EXCLUSION_COLUMNS: tuple[str, ...] = ("source_row", "response_id", "reason", "detail")
#: Careless-response flag columns (marked, not dropped, unless asked).
FLAG_COLUMNS: tuple[str, ...] = ("straightline", "longstring", "speeder")
#: Exclusion reasons, in the order they are tested; a row gets the first that applies.
REASONS: tuple[str, ...] = (
    "not_this_form", "other_wave", "preview", "spam", "unknown_status", "unfinished", "invalid_text", "text_too_long",
    "missing_team", "unknown_team", "unknown_form", "unknown_role", "out_of_range",
    "unknown_label", "no_answers", "duplicate_id", "flagged",
)


@dataclass(frozen=True)
class Responses:
    """Validated responses, the rows left out and why.

    Attributes
    ----------
    data : DataFrame
        The canonical table of the rows kept (see the module docstring).
    exclusions : DataFrame
        One row per input row left out: ``source_row`` (1-based row as a spreadsheet shows it),
        ``response_id`` (or a hash, or blank: nothing personal), ``reason`` (a code from
        :data:`REASONS`) and ``detail`` (text naming the column).
    flags : DataFrame
        Indexed like ``data``: boolean ``straightline``, ``longstring``, ``speeder``.
    source : str
        The path read.
    format : str
        The reader used (``canonical``, ``qualtrics``, ...).
    n_read : int
        Data rows in the input; always ``len(data) + len(exclusions)``.
    instrument : Instrument
        The instrument the responses were validated against.
    warnings : tuple of str
        What a person should look at: team names merged because they differ only in case,
        spacing or punctuation, near-duplicate team names, names not in the team list.
    team_list : DataFrame or None
        With a team list: ``team, n_psw_expected, n_colleague_expected`` (Int64, <NA> where the
        list gives no headcount), the denominators of response rates.
    input_hash : str or None
        SHA-256 of the bytes read, where they cannot be read again to hash them (standard
        input, a named pipe); None otherwise.

    Examples
    --------
    >>> from copro_scale import read_responses
    >>> from copro_scale.simulate import simulate
    >>> r = read_responses(simulate(2, 5, seed=1).responses)
    >>> r.n_read == len(r.data) + len(r.exclusions)
    True
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    flags: pd.DataFrame
    source: str
    format: str
    n_read: int
    instrument: Instrument
    warnings: tuple[str, ...] = ()
    team_list: pd.DataFrame | None = field(default=None, repr=False)
    input_hash: str | None = field(default=None, repr=False)

    @property
    def n_scored(self) -> int:
        """Rows kept."""
        return len(self.data)

    def reason_counts(self) -> dict[str, int]:
        """Excluded rows by reason, in :data:`REASONS` order, omitting zero counts.

        Examples
        --------
        >>> from copro_scale import read_responses
        >>> from copro_scale.simulate import simulate
        >>> read_responses(simulate(2, 5, seed=1).responses).reason_counts()
        {}
        """
        return ordered_reasons(self.exclusions["reason"].value_counts())

    def accounting(self) -> str:
        """The one-line account: ``rows read N = scored S + excluded E (reason: count, ...)``.

        Examples
        --------
        >>> from copro_scale import read_responses
        >>> from copro_scale.simulate import simulate
        >>> read_responses(simulate(2, 5, seed=1).responses).accounting()
        'rows read 10 = scored 10 + excluded 0'
        """
        return accounting_line(self.n_read, self.n_scored, self.reason_counts())


def ordered_reasons(counts) -> dict[str, int]:
    """Reason -> rows (a mapping or Series), in :data:`REASONS` order, omitting zero counts."""
    counts = {str(r): int(n) for r, n in dict(counts).items() if n}
    return {r: counts[r] for r in REASONS if r in counts} | {
        r: n for r, n in counts.items() if r not in REASONS}


def accounting_line(n_read: int, n_scored: int, reasons: dict[str, int]) -> str:
    """``rows read N = scored S + excluded E (reason: count, ...)``.

    Examples
    --------
    >>> accounting_line(3, 2, {"missing_team": 1})
    'rows read 3 = scored 2 + excluded 1 (missing_team: 1)'
    """
    text = f"rows read {n_read} = scored {n_scored} + excluded {sum(reasons.values())}"
    if reasons:
        text += " (" + ", ".join(f"{r}: {n}" for r, n in reasons.items()) + ")"
    return text
