"""Reader for redcap exports (in progress)."""

from __future__ import annotations

from ..errors import CoproError

NAME = "redcap"


def sniff(head, inst) -> bool:
    return False


def read(path, inst, head, **_):
    raise CoproError("the redcap reader is not available yet", file=path)
