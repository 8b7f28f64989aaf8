"""Reader for forms exports (in progress)."""

from __future__ import annotations

from ..errors import CoproError

NAME = "forms"


def sniff(head, inst) -> bool:
    return False


def read(path, inst, head, **_):
    raise CoproError("the forms reader is not available yet", file=path)
