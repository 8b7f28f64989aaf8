"""The bivariate normal pieces of a polychoric correlation, shared by :func:`.polychoric` and WLSMV.

* :func:`bvn_lower` - P(X < h, Y < k) for standard bivariate normals with correlation r;
* :func:`cell_probs` - the cell probabilities of contingency tables cut at thresholds;
* :func:`phi2` - the bivariate normal density (d/dr of :func:`bvn_lower`);
* :func:`fit_rho` - the maximum-likelihood rho of many tables at once, thresholds fixed.

Our own code (numpy/scipy): scipy's ``multivariate_normal.cdf`` is a Monte-Carlo-free but
one-point-at-a-time routine, far too slow for every cell of every pair on every iteration.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = ["bvn_lower", "cell_probs", "phi2", "fit_rho", "RhoFit"]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(40)
_CLIP = 10.0
_BIG = 50.0


def bvn_lower(h, k, r):
    """P(X < h, Y < k) for standard bivariate normals with correlation r (broadcast).

    Genz (2004): the integral over asin(r) of the upper orthant, by 40-point Gauss-Legendre.
    """
    h = np.clip(h, -_CLIP, _CLIP)
    k = np.clip(k, -_CLIP, _CLIP)
    hu, ku = -h, -k  # upper-orthant form: L(h, k, r) = U(-h, -k, r)
    hk = hu * ku
    hs = (hu * hu + ku * ku) / 2
    asr = np.arcsin(np.clip(r, -0.999999, 0.999999))
    t = (asr[..., None] * (_GL_X + 1) / 2)
    sn = np.sin(t)
    expo = (sn * hk[..., None] - hs[..., None]) / (1 - sn * sn)
    integral = (np.exp(expo) * _GL_W).sum(axis=-1) * asr / 2
    return integral / (2 * np.pi) + special.ndtr(h) * special.ndtr(k)


def phi2(h, k, r):
    """Standard bivariate normal density at (h, k) with correlation r (broadcast)."""
    s = 1 - r * r
    return np.exp(-(h * h - 2 * r * h * k + k * k) / (2 * s)) / (2 * np.pi * np.sqrt(s))


def _cuts(t):
    m = t.shape[0]
    return np.concatenate([np.full((m, 1), -_BIG), t, np.full((m, 1), _BIG)], axis=1)


def cell_probs(rho, rc, cc):
    """Cell probabilities of K1 x K2 tables: rho (m,), row thresholds (m, K1-1), column (m, K2-1)."""
    rcut, ccut = _cuts(rc), _cuts(cc)
    h = rcut[:, :, None] * np.ones((1, 1, ccut.shape[1]))
    k = ccut[:, None, :] * np.ones((1, rcut.shape[1], 1))
    f = bvn_lower(h, k, np.broadcast_to(rho[:, None, None], h.shape))
    f[:, 0, :] = 0.0  # exact borders
    f[:, :, 0] = 0.0
    f[:, -1, :] = special.ndtr(ccut)
    f[:, :, -1] = special.ndtr(rcut)
    f[:, -1, -1] = 1.0
    return f[:, 1:, 1:] - f[:, :-1, 1:] - f[:, 1:, :-1] + f[:, :-1, :-1]


class RhoFit(tuple):
    """(rho, converged, at_bound) of :func:`fit_rho`, one entry per table."""

    __slots__ = ()

    def __new__(cls, rho, converged, at_bound):
        return super().__new__(cls, (rho, converged, at_bound))


def _loglik(rho, tab, rc, cc, floor):
    P = cell_probs(rho, rc, cc)
    return (tab * np.log(np.maximum(P, floor))).sum(axis=(1, 2))


def fit_rho(tab, rc, cc, bound=0.999, tol=1e-10, max_iter=100, floor=0.0):
    r"""Polychoric rho of many tables at once by safeguarded Newton (thresholds fixed).

    Parameters
    ----------
    tab : ndarray (m, K1, K2)
        Cell proportions (or counts) of m tables of one shape.
    rc, cc : ndarray (m, K1-1), (m, K2-1)
        Row and column thresholds.
    bound : float
        rho is sought in [-bound, bound] (lavaan: 0.999, the bounds of its ``nlminb``).
    tol : float
        Convergence: the bracket around the root of the score, or the Newton step, below ``tol``.
    floor : float
        Cell probabilities below ``floor`` count as ``floor`` (lavaan's ``lav_bvord_noexo_pi``
        uses sqrt(machine epsilon), which caps what one answer in an improbable cell costs).
        Such a likelihood can have a second maximum at high |rho| where an answered cell's
        probability falls below the floor: with ``floor`` > 0, every rho above 0.8 in absolute
        value is checked against a grid of step 0.005 up to the bound, and the higher maximum
        kept.

    Returns
    -------
    RhoFit
        ``(rho, converged, at_bound)``, arrays of length m.

    Notes
    -----
    Score :math:`s(\rho) = \sum_{ab} n_{ab} P'_{ab}/P_{ab}` and Fisher information
    :math:`I(\rho) = n \sum_{ab} P'^2_{ab}/P_{ab}` with :math:`P' = dP/d\rho` the bivariate
    normal density summed over each cell's corners. Each step keeps a bracket [lo, hi] in which
    the score changes sign (lo where it is positive, hi where negative) and takes the scoring
    step :math:`\rho + s/I` when it lands inside the bracket, else the midpoint (Numerical
    Recipes' ``rtsafe``), so the iteration cannot leave [-bound, bound] or oscillate; a root
    at the bound is reported as ``at_bound``. Pairs that do not meet ``tol`` within
    ``max_iter`` steps come back with ``converged`` False, never silently.
    """
    tab = np.asarray(tab, float)
    m = tab.shape[0]
    fit = _newton(tab, rc, cc, np.zeros(m), np.full(m, -bound), np.full(m, bound), bound, tol, max_iter, floor)
    high = np.flatnonzero(np.abs(fit[0]) > 0.8) if floor > 0 else []
    if len(high):
        sub = (tab[high], rc[high], cc[high])
        here = _loglik(fit[0][high], *sub, floor)
        sign = np.sign(fit[0][high])
        fine = np.linspace(0.8, bound, 41)
        ll = np.stack([_loglik(sign * r, *sub, floor) for r in fine])
        best = np.argmax(ll, axis=0)
        better = ll[best, np.arange(len(high))] > here + 1e-12
        if better.any():
            k = high[better]
            b = best[better]
            ends = np.sort(np.stack([fine[np.maximum(b - 1, 0)], fine[np.minimum(b + 1, len(fine) - 1)]])
                           * sign[better], axis=0)
            again = _newton(tab[k], rc[k], cc[k], sign[better] * fine[b], ends[0], ends[1], bound, tol,
                            max_iter, floor)
            for arr, new in zip(fit, again):
                arr[k] = new
    return fit


def _newton(tab, rc, cc, rho, lo, hi, bound, tol, max_iter, floor):
    """Safeguarded Newton (scoring step, else bisection) from ``rho`` inside [lo, hi]."""
    m = tab.shape[0]
    T1 = _cuts(rc)[:, :, None]
    T2 = _cuts(cc)[:, None, :]
    tot = tab.sum(axis=(1, 2))
    rho, lo, hi = rho.astype(float).copy(), lo.astype(float).copy(), hi.astype(float).copy()
    done = np.zeros(m, bool)
    for _ in range(max_iter):
        P = cell_probs(rho, rc, cc)
        f2 = phi2(T1, T2, rho[:, None, None])
        dP = f2[:, 1:, 1:] - f2[:, :-1, 1:] - f2[:, 1:, :-1] + f2[:, :-1, :-1]
        dP = np.where(P > floor, dP, 0.0)  # a floored cell does not change with rho
        P = np.maximum(P, max(floor, 1e-300))
        score = (tab * dP / P).sum(axis=(1, 2))
        info = tot * (dP * dP / P).sum(axis=(1, 2))
        lo = np.where(score > 0, np.maximum(rho, lo), lo)
        hi = np.where(score <= 0, np.minimum(rho, hi), hi)
        newton = rho + score / np.where(info > 0, info, np.inf)
        inside = (newton > lo) & (newton < hi)
        new = np.where(inside, newton, (lo + hi) / 2)
        done = done | (np.abs(new - rho) < tol) | (hi - lo < tol)
        rho = np.where(done, rho, new)
        if done.all():
            break
    at_bound = done & (bound - np.abs(rho) < 1e-6)
    rho = np.where(at_bound, np.sign(rho) * bound, rho)
    return RhoFit(rho, done, at_bound)
