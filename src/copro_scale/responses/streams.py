"""Inputs that can be read only once: standard input and named pipes (FIFOs).

Every reader opens its file more than once (the first rows to detect the format, then the
table), so a stream is first copied to a temporary file, in blocks (memory stays bounded),
which is deleted after the read. What was read is named as the user gave it (never the copy),
and carries the SHA-256 of the bytes read (``Responses.input_hash``), since the stream cannot be
read again to hash it.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from contextlib import contextmanager, nullcontext
from pathlib import Path

#: Names of standard input.
STDIN = ("-", "/dev/stdin")


def is_stream(path) -> bool:
    """Whether ``path`` is standard input or a file that is not a regular file (a FIFO, a
    character device).

    Examples
    --------
    >>> is_stream("-"), is_stream(__file__)
    (True, False)
    """
    if str(path) in STDIN:
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


@contextmanager
def spooled(path):
    """A temporary regular-file copy of a stream, named like it (``stdin.csv`` for standard
    input, or ``.xlsx`` when the bytes are a zip), and the SHA-256 of its bytes; removed on
    exit."""
    import hashlib

    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="copro-") as folder:
        name = "stdin" if str(path) in STDIN else Path(path).name or "stream"
        target = Path(folder) / name
        with open(target, "wb") as out, (
                nullcontext(sys.stdin.buffer) if str(path) in STDIN
                else open(path, "rb")) as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        if not Path(name).suffix:
            with open(target, "rb") as fh:
                zipped = fh.read(4) == b"PK\x03\x04"
            target = target.rename(target.with_suffix(".xlsx" if zipped else ".csv"))
        yield target, digest.hexdigest()


def as_read_from(read, path, copy, digest: str):
    """``read`` (a :class:`~.model.Responses` read from ``copy``, the copy of the stream
    ``path``) named as ``path``, with ``digest``, the SHA-256 of the bytes read."""
    from dataclasses import replace

    return replace(read, source=str(path), input_hash=digest,
                   warnings=tuple(w.replace(str(copy), str(path)) for w in read.warnings))
