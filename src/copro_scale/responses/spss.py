"""Reader for SPSS ``.sav`` / ``.zsav`` files (via pyreadstat).

Variables are found by name (the item id or ``team``, ``role``, ...) or by variable label (the
item or question text). Values go through their value labels where those are scale labels
(so a file coded 0-4 but labelled "Strongly disagree" ... reads right). A code without a value
label, in a column whose other codes are labelled, follows the rule the labelled codes follow
when they all follow one: the same shift (0-4 labelled on 0, 2 and 4 reads 1 as 2) or the same
reversal (4-0). When they follow none, or one label gives no rule, the file is refused, naming
the column and the codes (:func:`recode_rule`). Codes with labels that are no scale label
("Not applicable" on a code that is not user-missing) are taken as they are and range-checked. User-missing values (declared codes such as 9
or 99, and declared ranges) are read as missing by pyreadstat and never scored. Source rows are
case numbers (1 = the first case).
"""

from __future__ import annotations

from ..errors import CoproError
from ..instrument import Instrument
from .codes import label_lookup
from .text import drop_identifying, norm_header, norm_text
from .tables import Head, Raw, item_texts, meta_names, pick

NAME = "spss"


def sniff(head: Head, inst: Instrument) -> bool:
    """SPSS by file name: ``.sav`` or ``.zsav``."""
    return head.suffix in (".sav", ".zsav")


def _read(path):
    import pyreadstat

    try:
        return pyreadstat.read_sav(str(path), user_missing=False)
    except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError types
        if "readstat" in type(exc).__module__.lower() or "readstat" in type(exc).__name__.lower() \
                or isinstance(exc, (OSError, ValueError, UnicodeDecodeError)):
            raise CoproError(f"is not a readable SPSS file ({' '.join(str(exc).split())[:120]})",
                             file=path) from None
        raise


def recode_rule(known: dict, unlabelled: list, *, file=None, column=None) -> dict:
    """Scale code of each ``unlabelled`` code, by the one rule every labelled code follows.

    ``known`` maps labelled codes to their scale codes. The rule is ``scale = code + b`` or
    ``scale = b - code`` (a shifted or reversed coding), taken only when every labelled code
    fits it and at least two do; otherwise a :class:`CoproError` names the codes.

    Examples
    --------
    >>> recode_rule({0: 1, 2: 3, 4: 5}, [1, 3])
    {1: 2.0, 3: 4.0}
    >>> recode_rule({1: 5, 5: 1}, [2, 3, 4])
    {2: 4.0, 3: 3.0, 4: 2.0}
    """
    pairs = [(float(c), float(s)) for c, s in known.items() if s == s]  # NaN: don't know
    for sign in (1.0, -1.0):
        offsets = {s - sign * c for c, s in pairs}
        if len(pairs) >= 2 and len(offsets) == 1:
            b = offsets.pop()
            return {u: sign * float(u) + b for u in unlabelled}
    shown = ", ".join(f"{u:g}" for u in unlabelled[:6])
    labelled = ", ".join(f"{c:g}" for c in sorted(known)[:6])
    raise CoproError(f"codes {shown} have no value label while {labelled} do, and the labelled "
                     "codes follow no one shift or reversal of the scale; give every code a "
                     "value label in SPSS (VALUE LABELS) or recode the column to "
                     "the scale's codes", file=file, column=column)


def read(path, inst: Instrument, head: Head, **_) -> Raw:
    """Read a .sav file, using value labels and dropping user-missing codes."""
    frame, meta = _read(path)
    labels = meta.variable_value_labels or {}
    var_labels = meta.column_names_to_labels or {}
    by_text = {t: i for t, (i, _) in item_texts(inst).items()}
    names = meta_names(inst)
    ids = set(inst.item_ids)
    mapping, taken = {}, set()
    for col in frame.columns:
        key = norm_header(col)
        label = norm_header(var_labels.get(col) or "")
        target = col if col in ids else names.get(key) or by_text.get(label) or names.get(label)
        if target is not None and target not in taken:
            mapping[col] = target
            taken.add(target)
    lookup = label_lookup(inst)
    for col, target in mapping.items():
        vl = labels.get(col)
        if not vl:
            continue
        if target in ids:
            known = {code: lookup[norm_text(lab)] for code, lab in vl.items() if norm_text(lab) in lookup}
            if known:  # recode through the labels; codes with other labels stay as they are
                present = frame[col].dropna().unique().tolist()
                unlabelled = sorted(float(v) for v in present if v not in vl)
                if unlabelled:
                    known = {**known, **recode_rule(known, unlabelled, file=path, column=col)}
                frame[col] = frame[col].replace(known).astype("float64")
        else:  # team / role / form stored as labelled numbers: use the label text
            frame[col] = frame[col].astype(object).replace(vl)
    frame = drop_identifying(frame, keep=tuple(mapping))
    raw = pick(frame, mapping, header_rows=0)
    return Raw(raw)
