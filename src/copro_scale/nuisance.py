"""The nuisance model of the simulator: what real staff surveys add to a clean measurement.

A :class:`Nuisance` holds the size of each nuisance; :func:`load_nuisance` gives one of the
named profiles (``clean``, ``realistic``, ``harsh``) or reads a YAML file whose keys are the
fields below (a field left out keeps the ``realistic`` value). :func:`copro_scale.simulate.simulate`
applies it; ``copro simulate`` and ``copro plan`` take ``--nuisance NAME|FILE`` (default
``realistic``). The ranges, and the literature they come from, are in docs/classification.md.

Fields (each a number, or ``[low, high]`` for a range drawn uniformly per team or item)
------------------------------------------------------------------------------------------
``colleague_optimism``
    Colleagues rate a team ``U(low, high)`` scale points more favourably than its PSWs, who
    report the team's profile (drawn per team).
``acquiescence_mean``, ``acquiescence_sd``
    A respondent's tendency to agree whatever the wording, in scale points added to the raw
    (agreement) latent of every item before reverse keying: ``N(mean, sd)`` per respondent.
``extreme_share``
    Share of respondents with an extreme response style: their latent distance from the scale
    midpoint is doubled (more 1s and 5s).
``careless_share``, ``straightline_share``
    Share of respondents answering every item at random (uniform 1-5), and share giving one
    answer (3, 4 or 5) to every item whatever its keying.
``skip_low``
    Probability that an answer in the two least favourable categories is left blank (answer-
    dependent skipping).
``dont_know``
    Probability that a colleague answers "don't know" to an item (read as missing).
``missing``
    Probability that any answer is blank at random.
``loadings``
    Range of the items' standardised loadings; an item's noise is scaled so that its loading is
    what was drawn (``item_sd`` of the core model stands for a loading of .70).
``threshold_shift``
    SD of an item's shift of all four category thresholds (items differ in how easily they are
    endorsed), and ``threshold_jitter`` the SD of each threshold's own shift (unequal spacing).
``face_sd``
    SD of a team's face-level deviation from its type's prototype (between-team spread, on top of
    the core model's cell-level ``icc1``).
``between_share``
    Share of teams whose profile lies halfway between two types' prototypes (their truth is
    ``between``: a correct answer is ``indeterminate`` or ``mixed``).
``size_cv``, ``no_psw_share``
    Coefficient of variation of the number of respondents per team (gamma-distributed around
    ``per_team``), and share of teams where no PSW answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from .errors import CoproError

Range = tuple[float, float]


@dataclass(frozen=True)
class Nuisance:
    """Sizes of the nuisances of a staff survey (see the module docstring)."""

    colleague_optimism: Range = (0.3, 0.3)
    acquiescence_mean: float = 0.0
    acquiescence_sd: float = 0.0
    extreme_share: float = 0.0
    careless_share: float = 0.0
    straightline_share: float = 0.02
    skip_low: float = 0.0
    dont_know: float = 0.0
    missing: float = 0.03
    loadings: Range = (0.7, 0.7)
    threshold_shift: float = 0.0
    threshold_jitter: float = 0.0
    face_sd: float = 0.0
    between_share: float = 0.0
    size_cv: float = 0.0
    no_psw_share: float = 0.0

    def as_dict(self) -> dict:
        """Plain values (ranges as lists), as a YAML file would hold them."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


#: The named profiles. ``clean`` is the core model alone (the simulator's defaults).
PROFILES: dict[str, Nuisance] = {
    "clean": Nuisance(),
    "realistic": Nuisance(
        colleague_optimism=(0.1, 0.6), acquiescence_mean=0.10, acquiescence_sd=0.25,
        extreme_share=0.10, careless_share=0.05, straightline_share=0.02, skip_low=0.10,
        dont_know=0.10, missing=0.03, loadings=(0.4, 0.8), threshold_shift=0.20,
        threshold_jitter=0.10, face_sd=0.20, between_share=0.10, size_cv=0.40,
        no_psw_share=0.10),
    "harsh": Nuisance(
        colleague_optimism=(0.0, 1.0), acquiescence_mean=0.25, acquiescence_sd=0.40,
        extreme_share=0.25, careless_share=0.12, straightline_share=0.05, skip_low=0.30,
        dont_know=0.30, missing=0.06, loadings=(0.4, 0.9), threshold_shift=0.40,
        threshold_jitter=0.20, face_sd=0.30, between_share=0.20, size_cv=0.60,
        no_psw_share=0.20),
}


def load_nuisance(spec: "str | Path | Nuisance | None" = "realistic") -> Nuisance:
    """A named profile, a YAML file of fields (others from ``realistic``), or a Nuisance.

    Examples
    --------
    >>> load_nuisance("harsh").skip_low
    0.3
    >>> load_nuisance(None) == PROFILES["clean"]
    True
    """
    if spec is None:
        return PROFILES["clean"]
    if isinstance(spec, Nuisance):
        return spec
    if str(spec) in PROFILES:
        return PROFILES[str(spec)]
    path = Path(spec)
    if not path.is_file():
        raise CoproError(f"unknown nuisance profile {str(spec)!r}: use one of "
                         f"{', '.join(PROFILES)} or a YAML file", field="--nuisance")
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise CoproError(f"{path}: must be a mapping of nuisance fields to values",
                         field="--nuisance")
    known = {f.name: f for f in fields(Nuisance)}
    values = {}
    for key, value in data.items():
        if key not in known:
            raise CoproError(f"{path}: unknown field {key!r}; fields are {', '.join(known)}",
                             field="--nuisance")
        values[key] = _value(path, key, value, ranged=isinstance(
            getattr(PROFILES["clean"], key), tuple))
    return replace(PROFILES["realistic"], **values)


def _value(path: Path, key: str, value, *, ranged: bool):
    def number(v):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
            raise CoproError(f"{path}: {key} must be a number of at least 0, not {v!r}",
                             field="--nuisance")
        return float(v)
    if ranged:
        pair = value if isinstance(value, (list, tuple)) else [value, value]
        if len(pair) != 2 or number(pair[0]) > number(pair[1]):
            raise CoproError(f"{path}: {key} must be [low, high] with low <= high",
                             field="--nuisance")
        return (float(pair[0]), float(pair[1]))
    v = number(value)
    if key.endswith(("_share", "skip_low", "dont_know", "missing")) and v > 1:
        raise CoproError(f"{path}: {key} is a share and must be at most 1", field="--nuisance")
    return v
