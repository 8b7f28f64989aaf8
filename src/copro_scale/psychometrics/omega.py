"""McDonald's omega (hierarchical and total) by the Schmid-Leiman route, as ``psych::omega``.

Our own code (numpy), reusing :mod:`.extraction` and :mod:`.rotation`, because no Python
package implements psych's Schmid-Leiman omega. Steps (psych's ``schmid`` and
``omegah``): (1) extract ``n_factors`` factors of the correlation matrix and rotate them
with varimax (sorted and reflected as psych's ``fa``); (2) rotate those orthogonal loadings
obliquely (GPArotation's oblimin from the identity start, or Kaiser-promax / geominQ);
(3) factor the factor correlations with one factor (same method) to get the loadings of
the first-order factors on g; (4) g loadings = pattern %*% g-loadings of the factors;
(5) items whose g loading is negative are reflected (psych's ``flip=TRUE``) and
omega_h = (sum g)^2 / sum(R), omega_total = (sum(R) - sum(u2)) / sum(R) with
u2 = 1 - communality of the orthogonal solution. Alpha is computed on the same reflected
matrix (so it is a standardised alpha after reflection), as psych reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from copro_scale.errors import CoproError
from copro_scale.psychometrics._common import (
    check_items,
    correlation,
    is_positive_definite,
    small_matrix_blas,
)
from copro_scale.psychometrics._result import Result
from copro_scale.psychometrics.extraction import METHODS, factor_solution, fit_factors
from copro_scale.psychometrics.rotation import rotate

__all__ = ["OmegaResult", "omega"]


@dataclass(repr=False)
class OmegaResult(Result):
    omega_h: float
    omega_total: float
    alpha: float
    g_loadings: pd.Series
    group_loadings: pd.DataFrame
    reflected: list
    n_factors: int
    converged: bool
    warning: str | None
    _frame = "group_loadings"


def omega(data, n_factors=3, method="minres", rotation="oblimin", ordinal=False, nan_policy="pairwise"):
    r"""Omega hierarchical and omega total via the Schmid-Leiman transformation.

    Parameters
    ----------
    data : pandas.DataFrame
        Items as columns.
    n_factors : int
        Number of group factors (psych's default 3; at least 2).
    method : {"minres", "ml", "pa"}
        Factor extraction method, used for both levels.
    rotation : {"oblimin", "promax", "geomin"}
        Oblique rotation of the group factors.
    ordinal : bool
        Use the polychoric correlation matrix (psych's ``omega(poly=TRUE)``).
    nan_policy : {"pairwise", "listwise"}
        Correlation matrix convention (psych: pairwise).

    Returns
    -------
    OmegaResult
        ``omega_h``, ``omega_total``, ``alpha``, ``g_loadings`` (Schmid-Leiman general
        factor loadings, after reflection), ``group_loadings`` (residualised group factor
        loadings), ``reflected`` (items reflected because their g loading was negative),
        ``converged`` and ``warning``.

    Notes
    -----
    With :math:`V = \mathbf 1'R\mathbf 1` on the reflected matrix, g loadings
    :math:`g_i` and uniquenesses :math:`u_i^2`:
    :math:`\omega_h = (\sum_i g_i)^2 / V`, :math:`\omega_t = (V - \sum_i u_i^2)/V`,
    :math:`\alpha = \frac{p}{p-1}(V - p)/V`. With two group factors the g loadings of the
    factors are both :math:`\sqrt{|\phi_{12}|}` (psych's ``option="equal"``).

    References
    ----------
    McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum.
    Schmid, J., & Leiman, J. M. (1957). The development of hierarchical factor solutions.
    Psychometrika, 22, 53-61.
    Zinbarg, R. E., Revelle, W., Yovel, I., & Li, W. (2005). Cronbach's alpha, Revelle's
    beta, and McDonald's omega_h. Psychometrika, 70, 123-133.

    Examples
    --------
    R: ``psych::omega(mtcars)``: alpha 0.8822, omega_h 0.5664, omega_t 0.9728.

    >>> import pandas as pd
    >>> from copro_scale.psychometrics import omega
    >>> res = omega(pd.read_csv("tests/reference/mtcars.csv"))
    >>> round(res.alpha, 4), round(res.omega_h, 4), round(res.omega_total, 4)
    (0.8822, 0.5664, 0.9728)
    """
    x = check_items(data, min_items=3)
    p = x.shape[1]
    if not isinstance(n_factors, (int, np.integer)) or not 2 <= n_factors < p:
        raise CoproError(f"n_factors must be an integer between 2 and {p - 1}, got {n_factors!r}")
    if method not in METHODS:
        raise CoproError(f"method must be one of {METHODS}, got {method!r}")
    if rotation not in ("oblimin", "promax", "geomin"):
        raise CoproError(f"omega needs an oblique rotation (oblimin, promax, geomin), got {rotation!r}")
    notes = []
    if ordinal:
        from copro_scale.psychometrics.polychoric import polychoric

        pc = polychoric(x)
        r = pc.rho.to_numpy()
        if pc.warning:
            notes.append(pc.warning)
    else:
        r, _ = correlation(x, nan_policy)
    if not is_positive_definite(r):
        notes.append("the correlation matrix is not positive definite (not smoothed)")
    with small_matrix_blas():
        orth, _, _, ok, msg = factor_solution(r, n_factors, method, "varimax")
        fload, phi, rot_ok = rotate(orth, rotation)
    if msg:
        notes.append(msg)
    if not rot_ok:
        ok = False
        notes.append(f"{rotation} rotation did not converge")
    if n_factors > 2:
        gl, g_ok, g_msg = fit_factors(phi, 1, method)
        gload = gl[:, 0]
        if g_msg:
            notes.append("second-order factor: " + g_msg)
        ok = ok and g_ok
    else:
        s = np.sqrt(abs(phi[0, 1]))
        gload = np.array([s, np.sign(phi[0, 1]) * s])
        notes.append("two group factors: their g loadings are set equal (psych option 'equal')")
    g = fload @ gload
    h2 = np.sum(orth**2, axis=1)
    u2 = 1.0 - h2
    uniq2 = np.maximum(1.0 - (1.0 - fload**2) - (fload * gload) ** 2, 0.0)
    group = np.sign(fload) * np.sqrt(uniq2)
    key = np.sign(g)
    key[key == 0] = 1
    rf = r * key[:, None] * key[None, :]
    g = g * key
    group = group * key[:, None]
    vt = rf.sum()
    omega_h = g.sum() ** 2 / vt
    omega_t = (vt - u2.sum()) / vt
    alpha = (vt - np.trace(rf)) / vt * p / (p - 1)
    if np.any(h2 > 1):
        notes.append("Heywood case: communality above 1")
    cols = list(x.columns)
    return OmegaResult(
        omega_h=float(omega_h),
        omega_total=float(omega_t),
        alpha=float(alpha),
        g_loadings=pd.Series(g, index=cols),
        group_loadings=pd.DataFrame(group, index=cols, columns=[f"F{i + 1}" for i in range(n_factors)]),
        reflected=[c for c, k in zip(cols, key) if k < 0],
        n_factors=int(n_factors),
        converged=bool(ok),
        warning="; ".join(notes) or None,
    )
