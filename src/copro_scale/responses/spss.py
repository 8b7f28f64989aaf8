"""Reader for spss exports (in progress)."""

from __future__ import annotations

from ..errors import CoproError

NAME = "spss"


def sniff(head, inst) -> bool:
    return False


def read(path, inst, head, **_):
    raise CoproError("the spss reader is not available yet", file=path)
