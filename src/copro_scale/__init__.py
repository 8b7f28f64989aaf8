"""copro-scale: measure how power shapes co-production with peer support workers.

The pipeline, one way: instrument -> responses -> scores -> psychometrics -> classification ->
reports, with administration exports beside the instrument.
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("copro-scale")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from .errors import CoproError
from .instrument import Instrument, Item, load_instrument
from .responses import Responses, read_responses
from .scoring import favourable, score

from .classify import classify_teams
from .reports import render_reports

__all__ = ["__version__", "CoproError", "Instrument", "Item", "load_instrument",
           "read_responses", "Responses", "score", "favourable",
           "classify_teams", "render_reports"]
