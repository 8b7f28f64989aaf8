"""``--format json``: the instrument's machine-readable export."""

from __future__ import annotations

import json as _json

from ..instrument import Instrument


def export_json(inst: Instrument, form: str | None = None) -> str:
    """The instrument as JSON text: :meth:`Instrument.to_dict`, items filtered to ``form``.

    Parameters
    ----------
    inst : Instrument
    form : {"psw", "colleague"}, optional
        Keep only this form's items; both forms when None.

    Examples
    --------
    >>> import json
    >>> from copro_scale import load_instrument
    >>> d = json.loads(export_json(load_instrument(), "psw"))
    >>> len(d["items"]), {i["form"] for i in d["items"]}
    (36, {'psw'})
    """
    d = inst.to_dict()
    if form is not None:
        d["items"] = [it for it in d["items"] if it["form"] == form]
    return _json.dumps(d, indent=2, ensure_ascii=False) + "\n"
