"""Linear algebra the CFA modules share: block diagonals, vech bases, masked inverses.

* :func:`bdiag` - a block-diagonal matrix (``scipy.linalg.block_diag``);
* :func:`vech_index` - row and column indices of the lower triangle (lavaan's ``vech``);
* :func:`pair_trace` - tr(E_l A E_k B) over the symmetric basis E of vech;
* :func:`masked_inverse` - inverse and log-determinant of every Sigma_oo of a pattern stack.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

__all__ = ["bdiag", "vech_index", "pair_trace", "masked_inverse"]


def bdiag(blocks):
    """Block-diagonal matrix of a list of 2-D arrays."""
    return block_diag(*blocks)


def vech_index(p):
    """(rows, columns) of the lower triangle of a p x p matrix, column-major as lavaan's vech."""
    a, b = np.tril_indices(p)
    return a, b


def pair_trace(A, B, a, b):
    """T[l, k] = tr(E_l A E_k B) for the symmetric basis E of vech (a, b) (A, B symmetric)."""
    la, lb = a[:, None], b[:, None]
    ka, kb = a[None, :], b[None, :]
    t = A[lb, ka] * B[kb, la] + A[lb, kb] * B[ka, la] + A[la, ka] * B[kb, lb] + A[la, kb] * B[ka, lb]
    w = np.where(a == b, 0.5, 1.0)
    return t * w[:, None] * w[None, :]


def masked_inverse(sigma, mask):
    """Inverse of each Sigma_oo embedded in p x p (zeros elsewhere) and log|Sigma_oo|, all patterns.

    The missing rows and columns are replaced by those of the identity, so one batched
    Cholesky / inverse serves every pattern. Raises LinAlgError if a Sigma_oo is not PD.
    """
    mm = mask[:, :, None] & mask[:, None, :]
    eye = np.eye(sigma.shape[0])
    tilde = np.where(mm, sigma, eye)
    chol = np.linalg.cholesky(tilde)
    logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    inv = np.linalg.inv(tilde) * mm
    return inv, logdet
