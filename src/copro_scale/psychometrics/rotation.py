"""Rotation of factor loadings, as psych's ``fa`` rotates them.

The rotations are factor_analyzer's :class:`~factor_analyzer.Rotator`, which on our inputs
gives what psych calls (tests/psychometrics/test_against_r.py, two data sets):
``stats::varimax`` (Kaiser normalised), psych's ``kaiser(..., "Promax")`` (m = 4) and
GPArotation's GPFoblq for ``oblimin`` (gamma 0) and ``geominQ`` (delta 0.01), each from the
identity start with GPArotation's tolerance (1e-5) and iteration limit (1000). After
rotation, columns are reflected so their sums are positive and sorted by the variance they
explain (diag(Phi L'L)), as psych does.
"""

from __future__ import annotations

import numpy as np

from copro_scale.errors import CoproError

__all__ = ["ROTATIONS", "rotate", "sort_reflect"]

ROTATIONS = ("oblimin", "promax", "varimax", "geomin", None)
_ROTATOR_METHOD = {"oblimin": "oblimin", "promax": "promax", "varimax": "varimax",
                   "geomin": "geomin_obl"}
_GEOMIN_DELTA = 0.01
_TOL = 1e-5
_MAX_ITER = 1000


def check_rotation(rotation) -> None:
    if rotation not in ROTATIONS:
        raise CoproError(f"unknown rotation {rotation!r}; use one of {ROTATIONS}")


def _criterion_gradient(lam: np.ndarray, rotation: str) -> np.ndarray:
    """d Q / d Lambda of the oblimin (gamma 0) or geomin criterion (GPArotation's vgQ)."""
    if rotation == "oblimin":
        return lam * ((lam**2) @ (1 - np.eye(lam.shape[1])))
    l2 = lam**2 + _GEOMIN_DELTA
    k = lam.shape[1]
    return (2 / k) * (lam / l2) * np.exp(np.log(l2).mean(axis=1))[:, None]


def _gpa_converged(a: np.ndarray, tmat: np.ndarray, rotation: str) -> bool:
    """GPFoblq's stopping rule at the final rotation matrix: projected gradient norm < 1e-5."""
    tinv = np.linalg.inv(tmat)
    lam = a @ tinv.T
    g = -(lam.T @ _criterion_gradient(lam, rotation) @ tinv).T
    gp = g - tmat * np.sum(tmat * g, axis=0)[None, :]
    return bool(np.sqrt(np.sum(gp**2)) < _TOL)


def rotate(loadings: np.ndarray, rotation, max_iter: int = _MAX_ITER):
    """Rotate unrotated loadings as psych's ``fa`` does.

    Returns ``(loadings, phi or None, converged)``; ``phi`` is the factor correlation matrix
    of an oblique rotation.
    """
    check_rotation(rotation)
    if rotation is None or loadings.shape[1] < 2:
        return loadings, None, True
    from factor_analyzer import Rotator

    rot = Rotator(method=_ROTATOR_METHOD[rotation], normalize=True, power=4, gamma=0,
                  delta=_GEOMIN_DELTA, max_iter=max_iter, tol=_TOL)
    lam = rot.fit_transform(np.asarray(loadings, dtype=float))
    phi = rot.phi_
    if rotation in ("varimax", "promax"):  # stats::varimax reports no convergence either
        return lam, phi, True
    # Rotator does not say whether GPA converged: check GPArotation's stopping rule ourselves
    return lam, phi, _gpa_converged(loadings, rot.rotation_, rotation)


def sort_reflect(lam: np.ndarray, phi):
    """Reflect columns to positive sums and sort them by explained variance (psych's ``fa``)."""
    sign = np.sign(lam.sum(axis=0))
    sign[sign == 0] = 1
    lam = lam * sign
    if phi is not None:
        phi = phi * sign[:, None] * sign[None, :]
    if lam.shape[1] > 1:
        ev = np.diag(phi @ lam.T @ lam) if phi is not None else np.sum(lam**2, axis=0)
        order = np.argsort(-ev, kind="stable")
        lam = lam[:, order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    return lam, phi
