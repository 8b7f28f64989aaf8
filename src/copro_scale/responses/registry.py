"""The one place readers are registered, and auto-detection.

A reader is a module with ``NAME`` (the ``--format`` value), ``sniff(head, inst) -> bool`` and
``read(path, inst, head, *, mapping=None, encoding=None, sheet=None) -> Raw`` (the raw table
that :func:`~copro_scale.responses.normalise.finish` validates). A reader that calls ``finish``
itself (``read_x(path, inst, **options) -> Responses``) is registered through :class:`Finished`.
Detection asks
each registered reader in order; the first whose ``sniff`` says yes reads the file. To add a
format, write its module and add it to :data:`READERS` (before ``canonical``, which is the most
permissive).
"""

from __future__ import annotations

from ..errors import CoproError
from ..instrument import Instrument
from . import canonical, forms, limesurvey, mapped, qualtrics, redcap, spss, surveyjs
from .tables import Head


class Finished:
    """Register a reader whose function already returns :class:`Responses`."""

    finishes = True

    def __init__(self, name, sniff, read):
        self.NAME, self.sniff, self._read = name, sniff, read

    def read(self, path, inst, head, **options):
        return self._read(path, inst, **options)


def _sniff_limesurvey(head: Head, inst: Instrument) -> bool:
    cols = limesurvey.limesurvey_columns(head.header(), inst)
    return any(c != t and t in inst.item_ids for c, t in cols.items())


_LIMESURVEY = Finished("limesurvey", _sniff_limesurvey, limesurvey.read_limesurvey)
_SURVEYJS = Finished("surveyjs", lambda head, inst: head.suffix == ".json", surveyjs.read_surveyjs)

#: Detection order: the most specific formats first.
READERS = {m.NAME: m for m in (spss, _SURVEYJS, qualtrics, redcap, forms, _LIMESURVEY, canonical,
                               mapped)}


def detect(head: Head, inst: Instrument, mapping=None):
    """The reader module for a file: ``mapped`` when a mapping is given, else the first that sniffs.

    Examples
    --------
    >>> from copro_scale import load_instrument
    >>> from pathlib import Path
    >>> inst = load_instrument()
    >>> detect(Head(Path("x.csv"), ".csv", [["response_id", "team", "role"] + inst.item_ids]), inst).NAME
    'canonical'
    """
    if mapping is not None:
        return mapped
    for reader in READERS.values():
        if reader is not mapped and reader.sniff(head, inst):
            return reader
    shown = ", ".join(head.header()[:4])
    raise CoproError(
        f"format not recognised (header starts: {shown[:80]}); wrong instrument? Pass --format, "
        "or --mapping with a YAML column map", file=head.path, row=1)
