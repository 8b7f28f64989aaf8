"""Row blocks worked on in threads: one per core, for the vectorised steps over a large table.

NumPy and pyarrow release the GIL inside their loops, so two threads over two halves of a
million rows take about half the time of one; each block writes only its own rows.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

#: Fewest rows a block is worth a thread for.
MIN_BLOCK_ROWS = 100_000


def row_blocks(n: int, min_rows: int | None = None) -> list[slice]:
    """Up to one slice per core over ``n`` rows, none shorter than ``min_rows`` (default
    :data:`MIN_BLOCK_ROWS`; one slice for a small table).

    Examples
    --------
    >>> row_blocks(10)
    [slice(0, 10, None)]
    >>> len(row_blocks(10**6, 1)) == min(os.cpu_count() or 1, 10**6)
    True
    """
    min_rows = MIN_BLOCK_ROWS if min_rows is None else min_rows
    k = max(1, min(os.cpu_count() or 1, n // max(min_rows, 1)))
    edges = [n * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


def over_blocks(fn: Callable[[slice], None], n: int, min_rows: int | None = None) -> None:
    """Call ``fn(rows)`` for each of :func:`row_blocks`, in threads when there are several.

    Examples
    --------
    >>> seen = []
    >>> over_blocks(seen.append, 5)
    >>> seen
    [slice(0, 5, None)]
    """
    blocks = row_blocks(n, min_rows)
    if len(blocks) == 1:
        fn(blocks[0])
        return
    with ThreadPoolExecutor(len(blocks)) as pool:
        for done in [pool.submit(fn, rows) for rows in blocks]:
            done.result()  # an error in a block is raised here
