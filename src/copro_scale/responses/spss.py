"""Reader for SPSS ``.sav`` / ``.zsav`` files (via pyreadstat).

Variables are found by name (the item id or ``team``, ``role``, ...) or by variable label (the
item or question text). Values go through their value labels where those are scale labels
(so a file coded 0-4 but labelled "Strongly disagree" ... reads right); codes without a known
label are taken as they are and range-checked. User-missing values (declared codes such as 9
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
                frame[col] = frame[col].replace(known).astype("float64")
        else:  # team / role / form stored as labelled numbers: use the label text
            frame[col] = frame[col].astype(object).replace(vl)
    frame = drop_identifying(frame, keep=tuple(mapping))
    raw = pick(frame, mapping, header_rows=0)
    return Raw(raw)
