"""Reader for qualtrics exports (in progress)."""

from __future__ import annotations

from ..errors import CoproError

NAME = "qualtrics"


def sniff(head, inst) -> bool:
    return False


def read(path, inst, head, **_):
    raise CoproError("the qualtrics reader is not available yet", file=path)
