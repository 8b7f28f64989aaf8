"""copro-scale: measure how power shapes co-production with peer support workers.

The pipeline, one way: instrument -> responses -> scores -> psychometrics -> classification ->
reports, with administration exports beside the instrument.

Every export loads on first use (PEP 562): ``import copro_scale`` and ``copro --help`` import
neither pandas nor SciPy, and ``copro score`` never imports what classification and reports
need.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("copro-scale")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from .errors import CoproError

#: Exports loaded on first access: name -> submodule that defines it.
_LAZY = {"Instrument": "instrument", "Item": "instrument", "load_instrument": "instrument",
         "read_responses": "responses", "Responses": "responses", "score": "scoring",
         "favourable": "scoring", "classify_teams": "classify", "render_reports": "reports"}

__all__ = [
    "CoproError",
    "Instrument",
    "Item",
    "Responses",
    "__version__",
    "classify_teams",
    "favourable",
    "load_instrument",
    "read_responses",
    "render_reports",
    "score",
]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
