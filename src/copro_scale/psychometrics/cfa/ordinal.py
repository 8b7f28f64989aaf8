"""Sample statistics of ordered items for WLSMV, as lavaan's ``muthen1984``.

Step 1: thresholds of each item from its own marginal proportions (probit:
``tau_k = qnorm(P(y <= k))``). Step 2: for each pair, the polychoric correlation maximising
the bivariate-normal likelihood of the pair's table with the step-1 thresholds fixed
(:func:`copro_scale.psychometrics.polychoric` does the same two steps as psych). Their
asymptotic covariance (lavaan's NACOV, Muthen 1984) comes from the case-wise scores: with SC
the scores of the univariate likelihoods (thresholds) and of the bivariate likelihoods
(correlations), INNER = SC'SC, A11 the per-item threshold blocks of INNER, A22 = diag of the
correlation block, A21 the cross-products of correlation scores with the bivariate threshold
scores,

    B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]],   NACOV = N B^-1 INNER B^-T.

With ``missing="pairwise"`` each statistic uses the rows where its items are answered and a
missing answer contributes a zero score.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy import special

from copro_scale.errors import CoproError
from copro_scale.psychometrics.bivariate import bvn_lower, fit_rho, phi2

__all__ = ["OrdinalStats", "ordinal_stats", "codes_of"]

_BIG = 1e10


@dataclass
class OrdinalStats:
    n: int
    th: list            # thresholds per item
    rho: np.ndarray     # p x p polychoric correlations
    nacov: np.ndarray   # asymptotic covariance of (thresholds, correlations), times N
    pairs: tuple        # (a, b) indices of the correlations, in the order of nacov
    notes: tuple = ()   # pairs whose rho did not converge or reached the 0.999 bound

    @property
    def s(self):
        return np.concatenate(self.th + [self.rho[self.pairs]])


def codes_of(data, items, levels=None):
    """Integer codes 0..K-1 (-1 = missing) and the sorted levels of each item."""
    x = data[items].to_numpy(float)
    codes = np.full(x.shape, -1, int)
    out_levels = []
    for j, item in enumerate(items):
        col = x[:, j]
        ok = ~np.isnan(col)
        if np.any(col[ok] != np.round(col[ok])):
            raise CoproError(f"ordered item {item!r} has non-integer values; code categories as integers")
        lev = np.unique(col[ok]) if levels is None else levels[j]
        if len(lev) < 2:
            raise CoproError(f"ordered item {item!r} has fewer than 2 observed categories")
        codes[ok, j] = np.searchsorted(lev, col[ok])
        out_levels.append(lev)
    return codes, out_levels


def _pair_scores(tab, t1, t2, r):
    """Cell-wise scores of a pair's bivariate log-likelihood: d/drho, d/dtau1, d/dtau2."""
    T1 = np.concatenate([[-_BIG], t1, [_BIG]])
    T2 = np.concatenate([[-_BIG], t2, [_BIG]])
    H, K = np.meshgrid(T1, T2, indexing="ij")
    F = bvn_lower(H, K, np.full(H.shape, r))
    F[0, :] = F[:, 0] = 0.0
    F[-1, :] = special.ndtr(T2)
    F[:, -1] = special.ndtr(T1)
    F[-1, -1] = 1.0
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    f2 = phi2(H, K, r)
    dr = f2[1:, 1:] - f2[:-1, 1:] - f2[1:, :-1] + f2[:-1, :-1]
    s = np.sqrt(1 - r * r)
    G1 = special.ndtr(np.clip((K - r * H) / s, -40, 40)) * np.exp(-H * H / 2) / np.sqrt(2 * np.pi)
    G2 = special.ndtr(np.clip((H - r * K) / s, -40, 40)) * np.exp(-K * K / 2) / np.sqrt(2 * np.pi)
    k1, k2 = P.shape
    d1 = np.zeros((len(t1), k1, k2))
    for c in range(len(t1)):
        edge = G1[c + 1, 1:] - G1[c + 1, :-1]
        d1[c, c, :] += edge
        d1[c, c + 1, :] -= edge
    d2 = np.zeros((len(t2), k1, k2))
    for c in range(len(t2)):
        edge = G2[1:, c + 1] - G2[:-1, c + 1]
        d2[c, :, c] += edge
        d2[c, :, c + 1] -= edge
    Ps = np.where(P > _FLOOR, P, np.inf)  # lavaan: a case in a cell below the floor scores 0
    return dr / Ps, d1 / Ps, d2 / Ps


#: The last few results of :func:`ordinal_stats`: a validation fits up to eleven models to the
#: same two forms (one-factor, nine-factor, invariance by form), whose sample statistics are
#: the same each time; they are computed once (and made read-only).
_RECENT: OrderedDict = OrderedDict()
_RECENT_SIZE = 8


def ordinal_stats(codes, ncat, names=None):
    """Thresholds, polychoric correlations and their NACOV from integer codes (-1 = missing).

    A pure function of ``codes`` and ``ncat``: the last :data:`_RECENT_SIZE` results are kept,
    keyed by a digest of the codes.
    """
    codes = np.ascontiguousarray(codes)
    key = (codes.shape, codes.dtype.str, tuple(int(k) for k in ncat),
           hashlib.blake2b(codes.tobytes(), digest_size=20).digest())
    hit = _RECENT.get(key)
    if hit is None:
        hit = _ordinal_stats(codes, ncat, names)
        for arr in (hit.rho, hit.nacov, *hit.th):
            arr.flags.writeable = False
        _RECENT[key] = hit
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    _RECENT.move_to_end(key)
    return hit


def _ordinal_stats(codes, ncat, names=None):
    n, p = codes.shape
    names = list(names) if names is not None else [str(j) for j in range(p)]
    th, sc_th, th_idx = [], [], []
    start = 0
    for j in range(p):
        c = codes[:, j]
        ok = c >= 0
        freq = np.bincount(c[ok], minlength=ncat[j]).astype(float)
        if np.any(freq == 0):
            raise CoproError(f"ordered item {names[j]!r} has an empty category")
        t = special.ndtri(np.cumsum(freq)[:-1] / ok.sum())
        th.append(t)
        T = np.concatenate([[-np.inf], t, [np.inf]])
        pk = special.ndtr(T[1:]) - special.ndtr(T[:-1])
        dens = np.exp(-t * t / 2) / np.sqrt(2 * np.pi)
        sc = np.zeros((n, len(t)))
        rows = np.flatnonzero(ok)
        cc = c[ok]
        below = cc < len(t)          # category c has upper threshold c
        sc[rows[below], cc[below]] += dens[cc[below]] / pk[cc[below]]
        above = cc > 0               # and lower threshold c-1
        sc[rows[above], cc[above] - 1] -= dens[cc[above] - 1] / pk[cc[above]]
        sc_th.append(sc)
        th_idx.append(np.arange(start, start + len(t)))
        start += len(t)
    SC_TH = np.hstack(sc_th)
    a_idx, b_idx = np.tril_indices(p, -1)
    m = len(a_idx)
    rho = np.eye(p)
    SC_COR = np.zeros((n, m))
    A21 = np.zeros((m, start))
    tabs, oks = [], []
    for a, b in zip(a_idx, b_idx):
        ok = (codes[:, a] >= 0) & (codes[:, b] >= 0)
        if not ok.any():
            raise CoproError(f"ordered items {names[a]!r} and {names[b]!r} have no respondent in common")
        tab = np.zeros((ncat[a], ncat[b]))
        np.add.at(tab, (codes[ok, a], codes[ok, b]), 1.0)
        tabs.append(tab)
        oks.append(ok)
    est, notes = _correlations(tabs, th, a_idx, b_idx, names)
    for r, (a, b) in enumerate(zip(a_idx, b_idx)):
        rho[a, b] = rho[b, a] = est[r]
        rows = np.flatnonzero(oks[r])
        ca, cb = codes[rows, a], codes[rows, b]
        s_r, s_1, s_2 = _pair_scores(tabs[r], th[a], th[b], est[r])
        SC_COR[rows, r] = s_r[ca, cb]
        A21[r, th_idx[a]] = s_1[:, ca, cb] @ SC_COR[rows, r]
        A21[r, th_idx[b]] = s_2[:, ca, cb] @ SC_COR[rows, r]
    SC = np.hstack([SC_TH, SC_COR])
    inner = SC.T @ SC
    A11 = np.zeros((start, start))
    for idx in th_idx:
        A11[np.ix_(idx, idx)] = inner[np.ix_(idx, idx)]
    A11i = np.linalg.inv(A11)
    A22i = np.diag(1.0 / np.einsum("ij,ij->j", SC_COR, SC_COR))
    Binv = np.block([[A11i, np.zeros((start, m))], [-A22i @ A21 @ A11i, A22i]])
    nacov = n * (Binv @ inner @ Binv.T)
    return OrdinalStats(n=n, th=th, rho=rho, nacov=nacov, pairs=(a_idx, b_idx), notes=tuple(notes))


#: lavaan's floor on cell probabilities in the polychoric likelihood (``lav_bvord_noexo_pi``)
_FLOOR = np.sqrt(np.finfo(float).eps)
#: lavaan's ``lav_samplestats_step2`` warns above this absolute polychoric correlation
NEAR_ONE = 0.99


def _correlations(tabs, th, a_idx, b_idx, names):
    """Polychoric rho of every pair (lavaan's bounds, +-0.999) and the notes they need.

    :func:`copro_scale.psychometrics.bivariate.fit_rho`, all pairs of one table shape at
    once, on lavaan's likelihood: cell probabilities floored at sqrt(machine epsilon), whose
    maximum can differ from the unfloored one when an improbable cell holds an answer (0.971
    against 0.927 for sleepy-drowsy in msq400's "film" group, where one person answered 3
    and 0), and the higher of two maxima taken. A pair that does not converge is an error naming it (lavaan warns and keeps its
    start value; no fit is reported on a value nobody estimated); one above 0.99 in absolute
    value is a note, as lavaan's warning.
    """
    est = np.empty(len(tabs))
    ok = np.ones(len(tabs), bool)
    shapes = {}
    for r, t in enumerate(tabs):
        shapes.setdefault(t.shape, []).append(r)
    for rs in shapes.values():
        tb = np.stack([tabs[r] / tabs[r].sum() for r in rs])
        est[rs], ok[rs], _ = fit_rho(tb, np.stack([th[a_idx[r]] for r in rs]),
                                     np.stack([th[b_idx[r]] for r in rs]), bound=0.999,
                                     floor=_FLOOR)
    pair = [f"{names[b_idx[r]]}-{names[a_idx[r]]}" for r in range(len(tabs))]
    if not ok.all():
        raise CoproError("the polychoric correlation did not converge for "
                         + ", ".join(pair[r] for r in np.flatnonzero(~ok)))
    near = [f"{pair[r]} ({est[r]:.3f})" for r in np.flatnonzero(np.abs(est) > NEAR_ONE)]
    notes = []
    if near:
        notes.append("polychoric correlation (nearly) 1.0, bounded at +-0.999 as lavaan: " + ", ".join(near))
    return est, notes
