"""Reader for mapped exports (in progress)."""

from __future__ import annotations

from ..errors import CoproError

NAME = "mapped"


def sniff(head, inst) -> bool:
    return False


def read(path, inst, head, **_):
    raise CoproError("the mapped reader is not available yet", file=path)
