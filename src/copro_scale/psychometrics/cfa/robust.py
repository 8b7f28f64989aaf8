"""Robust ML (lavaan's ``estimator="MLR"``): Huber-White standard errors and the Yuan-Bentler
scaled chi-square (``test="yuan.bentler.mplus"``), complete data or FIML.

Saturated (h1) parameters of a group are (mu, vech Sigma). Per case with answered items o,
residual r = x_o - mu_o and z = Sigma_oo^-1 r, the score is dl/dmu = z and
dl/dSigma = (z z' - Sigma_oo^-1)/2 (off-diagonal elements counted twice). With A1 the
observed h1 information per case and B1 the mean outer product of the scores (both at the
model-implied moments, lavaan's ``h1.information = "structured"``), A the observed
information of the model and B = sum_g f_g Delta_g' B1_g Delta_g:

    vcov = A^-1 B A^-1 / N,
    c = [sum_g tr(A1_g^-1 B1_g) - tr(A^-1 B)] / df,   chisq_scaled = chisq / c,

with A1, B1 of the trace at the saturated moments (as lavaan's ``yuan.bentler.mplus``).

The same trace for the independence model gives the baseline scaling factor.
"""

from __future__ import annotations

import numpy as np

from copro_scale.psychometrics.cfa.linalg import bdiag, masked_inverse, pair_trace, vech_index

__all__ = ["h1_blocks", "h1_hessian", "h1_expected", "delta_matrix", "scaling_factor", "fiml_corrected"]


def _t_sum(W1, W2, n, a, b):
    """sum_P n_P T(W1_P, W2_P) over a stack of patterns (P, p, p), with one matrix product.

    K[(x, y), (z, w)] = sum_P n_P W1_P[x, y] W2_P[z, w] holds every product the four terms of
    :func:`.linalg.pair_trace` need (p^4 numbers: 13 MB for 36 items); beyond 60 items, per pattern.
    """
    P, p, _ = W1.shape
    if p > 60:
        return sum(w * pair_trace(x, y, a, b) for w, x, y in zip(n, W1, W2))
    K = (W1.reshape(P, p * p) * n[:, None]).T @ W2.reshape(P, p * p)
    la, lb = a[:, None] * p, b[:, None] * p
    ka, kb = a[None, :], b[None, :]
    t = (K[lb + ka, kb * p + a[:, None]] + K[lb + kb, ka * p + a[:, None]]
         + K[la + ka, kb * p + b[:, None]] + K[la + kb, ka * p + b[:, None]])
    w = np.where(a == b, 0.5, 1.0)
    return t * w[:, None] * w[None, :]


def h1_expected(st, sigma, meanstructure):
    """sum_P n_P x expected h1 information: blockdiag(Sigma_oo^-1, D'(Sigma_oo^-1 x Sigma_oo^-1)D / 2)."""
    p = sigma.shape[0]
    a, b = vech_index(p)
    inv, _ = masked_inverse(sigma, st.mask)
    ss = 0.5 * _t_sum(inv, inv, st.n, a, b)
    if not meanstructure:
        return ss
    mm = np.einsum("p,pij->ij", st.n, inv)
    return np.block([[mm, np.zeros((p, len(a)))], [np.zeros((len(a), p)), ss]])


def h1_hessian(st, sigma, mu, meanstructure):
    """sum_p n_p x (per-case observed h1 information) of a group's pattern stack, at (sigma, mu).

    Blocks per pattern (embedded in p x p): mu-mu Sigma^-1; mu-sigma_k Sigma^-1 E_k zbar;
    sigma-sigma -tr(Sigma^-1 E_l Sigma^-1 E_k)/2 + tr(E_l Sigma^-1 E_k Z), with
    zbar = Sigma^-1 d, Z = Sigma^-1 (S_p + d d') Sigma^-1 and d = mean_p - mu.
    """
    p = len(mu)
    a, b = vech_index(p)
    inv, _ = masked_inverse(sigma, st.mask)
    d = (st.mean - mu) * st.mask if meanstructure else np.zeros_like(st.mean)
    Z = inv @ (st.cov + d[:, :, None] * d[:, None, :]) @ inv
    ss = _t_sum(Z - 0.5 * inv, inv, st.n, a, b)  # T is linear in its first argument
    if not meanstructure:
        return ss
    zbar = np.einsum("pij,pj->pi", inv, d)
    ms = (np.einsum("p,pik,pk->ik", st.n, inv[:, :, a], zbar[:, b])
          + np.where(a != b, 1.0, 0.0)[None, :] * np.einsum("p,pik,pk->ik", st.n, inv[:, :, b], zbar[:, a]))
    mm = np.einsum("p,pij->ij", st.n, inv)
    return np.block([[mm, ms], [ms.T, ss]])


def h1_blocks(grp, sigma, mu, meanstructure):
    """(A1, B1) of one group at moments (sigma, mu): observed h1 information and mean score outer product, per case."""
    p = len(mu)
    a, b = vech_index(p)
    dbl = np.where(a == b, 1.0, 2.0)
    scores = []
    for pt in grp.patterns:
        o = pt.obs
        inv = np.zeros((p, p))
        inv[np.ix_(o, o)] = np.linalg.inv(sigma[np.ix_(o, o)])
        r = np.zeros((pt.n, p))
        r[:, o] = pt.x - (mu[o] if meanstructure else pt.mean)
        z = r @ inv
        sc_s = 0.5 * (z[:, a] * z[:, b] - inv[a, b][None, :]) * dbl[None, :]
        scores.append(np.hstack([z, sc_s]) if meanstructure else sc_s)
    S = np.vstack(scores)
    return h1_hessian(grp.stack, sigma, mu, meanstructure) / grp.n, S.T @ S / grp.n


def delta_matrix(dS, dM, meanstructure):
    """Model Jacobian as (mu, vech Sigma) rows x parameters."""
    p = dS.shape[1]
    a, b = vech_index(p)
    rows = [dM.T] if meanstructure else []
    rows.append(dS[:, a, b].T)
    return np.vstack(rows)


def scaling_factor(h1_pairs, A, B0, df):
    """Yuan-Bentler (Mplus) scaling factor: [sum_g tr(A1_g^-1 B1_g) - tr(A^-1 B0)] / df.

    ``h1_pairs`` are the per-group (A1, B1) at the saturated moments (lavaan's
    ``h1.information = "unstructured"`` for this test); ``A`` is the model's observed
    information and ``B0`` its first-order information (sum_g f_g Delta_g' B1_g Delta_g at the
    model-implied moments), both per case.
    """
    if df <= 0:
        return np.nan
    tr_h1 = sum(np.trace(np.linalg.solve(A1, B1)) for A1, B1 in h1_pairs)
    return float((tr_h1 - np.trace(np.linalg.solve(A, B0))) / df)


def _complete_chisq(n, s, m, sigma, mu):
    inv = np.linalg.inv(sigma)
    d = m - mu
    return n * (np.linalg.slogdet(sigma)[1] + np.sum(inv * s) + d @ inv @ d - np.linalg.slogdet(s)[1] - len(m))


def _complete_info(s):
    inv = np.linalg.inv(s)
    p = len(s)
    a, b = vech_index(p)
    k = p + len(a)
    out = np.zeros((k, k))
    out[:p, :p] = inv
    out[p:, p:] = 0.5 * pair_trace(inv, inv, a, b)
    return out


def fiml_corrected(groups, h1, implied, deltas, df, version="V3"):
    """FIML-corrected statistic and scaling factor for robust RMSEA/CFI with missing data.

    lavaan's ``lav_fit_fiml_corrected`` (Zhang & Savalei, 2023; version V3 with a scaled test,
    V6 without): X2_tilde is the complete-data ML statistic of the model-implied moments
    against the EM moments (S~, m~); with Wm / Jm the FIML h1 information / first-order
    matrices, Wc the complete-data h1 information at (S~, m~), U = Wm - Wm Delta E^-1
    Delta' Wm and E = Delta' Wm Delta (all per case, groups weighted by f_g; lavaan sets
    ``observed.information = "h1"`` and ``h1.information = "unstructured"`` here):
    V3: k = tr(U Wm^-1 Wc Wm^-1 U Gamma), Gamma = Wm^-1 Jm Wm^-1 / f_g;
    V6: k = tr(Wc Wm^-1 U Wm^-1); c = k / df.

    Returns (X2_tilde, c).
    """
    n = sum(g.n for g in groups)
    fg = [g.n / n for g in groups]
    x2 = sum(_complete_chisq(g.n, g.cov, g.mean, s, m) for g, (s, m) in zip(groups, implied))
    wm = [f * A1 for f, (A1, _) in zip(fg, h1)]
    wmi = [np.linalg.inv(A1) / f for f, (A1, _) in zip(fg, h1)]
    wc = [f * _complete_info(g.cov) for f, g in zip(fg, groups)]
    Wm, Wmi, Wc = bdiag(wm), bdiag(wmi), bdiag(wc)
    D = np.vstack(deltas)
    E_inv = np.linalg.inv(D.T @ Wm @ D)
    U = Wm - Wm @ D @ E_inv @ D.T @ Wm
    if version == "V3":
        gam = bdiag([np.linalg.inv(A1) @ B1 @ np.linalg.inv(A1) / f for f, (A1, B1) in zip(fg, h1)])
        k = np.trace(U @ Wmi @ Wc @ Wmi @ U @ gam)
    else:
        k = np.trace(Wc @ Wmi @ U @ Wmi)
    return float(x2), float(k / df) if df > 0 else np.nan
