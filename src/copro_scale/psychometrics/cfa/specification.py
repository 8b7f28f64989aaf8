"""The parameter table of a CFA (lavaan's ``lavaanify``): one row per parameter and group.

Matrices (per group): ``L`` loadings (p x m), ``B`` loadings of factors on (second-order)
factors (m x m, LISREL's Beta: eta = B eta + zeta), ``P`` latent (disturbance) covariances
(m x m, Psi), ``T``
residual covariances (p x p), ``N`` intercepts (p), ``A`` latent means (m), ``K``
thresholds of ordered items (stacked), ``D`` scaling factors of ordered items (lavaan's
``~*~``, delta parameterization). Defaults follow lavaan's ``cfa()``: first loading of each
factor fixed to 1, residual and latent (co)variances free, a mean structure when there are
groups or missing data (FIML), intercepts of ordered items fixed to 0, their residual
variances not free (1 - explained, delta parameterization) and their thresholds free.
``group_equal`` / ``group_partial`` follow lavaan's ``group.equal`` / ``group.partial``.
With second-order factors, Sigma = L (I - B)^-1 Psi (I - B)^-T L' + Theta and
mu = nu + L (I - B)^-1 alpha; as lavaan's ``cfa()``, the factors that load on another factor
get a free disturbance variance and no covariances, the others free covariances.
"""

from __future__ import annotations

import numpy as np

from copro_scale.errors import CoproError

__all__ = ["ParTable", "model_variables", "GROUP_EQUAL"]

GROUP_EQUAL = ("loadings", "intercepts", "thresholds", "residuals", "residual.covariances",
               "lv.variances", "lv.covariances", "means")


def model_variables(rows, columns=None):
    """Latent and observed variable names, with lavaan's name checks.

    A latent named like a data column is an error (lavaan: names collide); a latent may be an
    indicator of another latent (a second-order factor), but not of itself through others.
    """
    rows = [r for r in rows if r["op"] != "=="]
    lv = list(dict.fromkeys(r["lhs"] for r in rows if r["op"] == "=~"))
    if columns is not None:
        clash = [f for f in lv if f in set(columns)]
        if clash:
            raise CoproError(f"latent variable name(s) {clash} are also column names of the data; "
                             "rename the factor(s) (lavaan stops here too: names collide)")
    ov = []
    on = {f: [r["rhs"] for r in rows if r["op"] == "=~" and r["lhs"] == f and r["rhs"] in lv] for f in lv}
    for f in lv:
        _check_acyclic(f, on, [f])
    for r in rows:
        if r["op"] == "=~" and r["rhs"] not in lv and r["rhs"] not in ov:
            ov.append(r["rhs"])
    for r in rows:
        if r["op"] == "~~":
            for v in (r["lhs"], r["rhs"]):
                if v not in lv and v not in ov:
                    raise CoproError(f"'{r['lhs']} ~~ {r['rhs']}': {v!r} is neither a factor nor an "
                                     "indicator of the measurement model")
            if (r["lhs"] in lv) != (r["rhs"] in lv):
                raise CoproError(f"'{r['lhs']} ~~ {r['rhs']}': a covariance between a factor and an "
                                 "observed variable is not supported")
    return lv, ov


def _check_acyclic(f, on, path):
    for g in on[f]:
        if g in path:
            raise CoproError(f"factors {' =~ '.join(path + [g])} load on each other in a circle")
        _check_acyclic(g, on, path + [g])


def _acc(target, index, values):
    """target[index] += values, summing repeated parameter ids (np.add.at only when needed)."""
    k = index[0] if isinstance(index, tuple) else index
    if len(np.unique(k)) == len(k):
        target[index] += values
    else:
        np.add.at(target, index, values)


def _row(lhs, op, rhs, g, mat, i, j, free, value, label=None, eq=None):
    return dict(lhs=lhs, op=op, rhs=rhs, group=g, mat=mat, i=i, j=j, free=bool(free),
                value=value, label=label, eq=eq)


class ParTable:
    """Parameter table and the model-implied moments it defines.

    Parameters
    ----------
    rows : list of dict
        From :func:`~copro_scale.psychometrics.cfa.syntax.parse_model`.
    n_groups : int
    group_equal, group_partial : sequence of str
    meanstructure : bool
    ordered : dict
        ``{item: number of thresholds}`` for ordered items (WLSMV).
    columns : sequence of str, optional
        Data columns, for the name-collision check.
    """

    def __init__(self, rows, n_groups=1, group_equal=(), group_partial=(), meanstructure=False,
                 ordered=None, columns=None):
        self.lv, self.ov = model_variables(rows, columns)
        self.constraints = [(r["lhs"], r["rhs"]) for r in rows if r["op"] == "=="]
        rows = [r for r in rows if r["op"] != "=="]
        #: factors that load on another factor (their variance is a disturbance variance)
        self.endogenous = np.array([any(r["op"] == "=~" and r["rhs"] == f for r in rows) for f in self.lv])
        self.p, self.m, self.G = len(self.ov), len(self.lv), n_groups
        self.meanstructure = meanstructure
        self.ordered = {v: int(k) for v, k in (ordered or {}).items()}
        unknown = [v for v in self.ordered if v not in self.ov]
        if unknown:
            raise CoproError(f"ordered item(s) {unknown} are not indicators in the model")
        self.is_ord = np.array([v in self.ordered for v in self.ov])
        self.th_item = np.array([i for i, v in enumerate(self.ov) for _ in range(self.ordered.get(v, 0))], int)
        self.n_th = len(self.th_item)
        ge = set(group_equal)
        self.partial = {str(s).replace(" ", "") for s in group_partial}
        table = []
        for g in range(n_groups):
            table += self._group_rows(rows, g, ge)
        self._assign_ids(table)
        self.table = table
        self.active = [np.unique([r["id"] for r in table if r["group"] == g and r["free"]]).astype(int)
                       for g in range(n_groups)]
        self._index()

    # ---------------------------------------------------------------- building
    def _group_rows(self, rows, g, ge):
        lv, ov = self.lv, self.ov
        out, user, first = [], set(), set()
        for r in rows:
            if r["op"] == "=~":
                mat = "B" if r["rhs"] in lv else "L"
                i, j = (lv if mat == "B" else ov).index(r["rhs"]), lv.index(r["lhs"])
                # lavaan: the first loading is fixed to 1 unless NA* frees it (a label keeps it fixed)
                marker = r["lhs"] not in first and r["fixed"] is None and not r["free"]
                first.add(r["lhs"])
                free = r["fixed"] is None and not marker
                val = r["fixed"] if r["fixed"] is not None else (1.0 if marker else None)
                out.append(_row(r["lhs"], "=~", r["rhs"], g, mat, i, j, free, val, r["label"],
                                ("loadings", mat, i, j) if "loadings" in ge else None))
                continue
            a, b = r["lhs"], r["rhs"]
            mat = "P" if a in lv else "T"
            names = lv if mat == "P" else ov
            i, j = sorted((names.index(a), names.index(b)), reverse=True)
            user.add((mat, i, j))
            kind = {("P", True): "lv.variances", ("P", False): "lv.covariances",
                    ("T", True): "residuals", ("T", False): "residual.covariances"}[(mat, i == j)]
            if mat == "T" and i == j and self.is_ord[i]:
                raise CoproError(f"'{a} ~~ {b}': the residual variance of ordered item {a!r} is not a "
                                 "free parameter (delta parameterization)")
            out.append(_row(a, "~~", b, g, mat, i, j, r["fixed"] is None, r["fixed"], r["label"],
                            (kind, mat, i, j) if kind in ge else None))
        for i, v in enumerate(ov):
            if ("T", i, i) not in user:
                ordinal = self.is_ord[i]
                out.append(_row(v, "~~", v, g, "T", i, i, not ordinal, None if not ordinal else np.nan,
                                eq=("residuals", i) if "residuals" in ge and not ordinal else None))
        for i, f in enumerate(lv):
            if ("P", i, i) not in user:
                out.append(_row(f, "~~", f, g, "P", i, i, True, None,
                                eq=("lv.variances", i) if "lv.variances" in ge else None))
        for j in range(self.m):
            for i in range(j + 1, self.m):
                if ("P", i, j) not in user and not (self.endogenous[i] or self.endogenous[j]):
                    out.append(_row(lv[j], "~~", lv[i], g, "P", i, j, True, None,
                                    eq=("lv.covariances", i, j) if "lv.covariances" in ge else None))
        out += self._mean_rows(g, ge)
        return out

    def _mean_rows(self, g, ge):
        out = []
        k = 0
        for i, v in enumerate(self.ov):
            for t in range(self.ordered.get(v, 0)):
                out.append(_row(v, "|", f"t{t + 1}", g, "K", k, 0, True, None,
                                eq=("thresholds", k) if "thresholds" in ge else None))
                k += 1
        if self.meanstructure:
            for i, v in enumerate(self.ov):
                ordinal = self.is_ord[i]
                out.append(_row(v, "~1", "", g, "N", i, 0, not ordinal, 0.0 if ordinal else None,
                                eq=("intercepts", i) if "intercepts" in ge and not ordinal else None))
        # latent means: free after the first group once intercepts (or thresholds) are equal
        equal_location = "intercepts" in ge or ("thresholds" in ge and self.is_ord.all())
        if self.meanstructure or self.n_th:
            for i, f in enumerate(self.lv):
                free = g > 0 and equal_location and "means" not in ge
                out.append(_row(f, "~1", "", g, "A", i, 0, free, None if free else 0.0))
        if self.n_th:
            # scaling factors: fixed to 1, free after the first group once thresholds are equal
            for i, v in enumerate(self.ov):
                if self.is_ord[i]:
                    free = g > 0 and "thresholds" in ge
                    out.append(_row(v, "~*~", v, g, "D", i, 0, free, None if free else 1.0))
        return out

    def _label_classes(self, table):
        """Label -> its class under ``==`` (union-find); a class holding a fixed row is fixed."""
        labels = {r["label"] for r in table if r["label"]}
        parent = {lab: lab for lab in labels}

        def root(x):
            while parent[x] != x:
                x = parent[x]
            return x

        for a, b in self.constraints:
            unknown = [x for x in (a, b) if x not in labels]
            if unknown:
                raise CoproError(f"'{a} == {b}': {unknown[0]!r} is not a label of any parameter in the model")
            parent[root(a)] = root(b)
        fixed = {}
        for r in table:
            if r["label"] and not r["free"] and not np.isnan(r["value"]):
                fixed.setdefault(root(r["label"]), r["value"])
        return root, fixed

    def _assign_ids(self, table):
        """Parameter ids: equal labels (and labels joined by ``==``) share one; a label that a
        fixed parameter carries fixes every parameter with it to that value (lavaan)."""
        root, fixed = self._label_classes(table)
        ids, n = {}, 0
        for row in table:
            name = f"{row['lhs']}{row['op']}{row['rhs']}"
            if row["eq"] is not None and (name in self.partial or
                                          (row["op"] == "~1" and f"{row['lhs']}~1" in self.partial)):
                row["eq"] = None
            if row["label"] and root(row["label"]) in fixed:
                row["free"], row["value"] = False, fixed[root(row["label"])]
            if not row["free"]:
                row["id"] = -1
                continue
            key = ("label", root(row["label"])) if row["label"] else row["eq"]
            if key is not None and key in ids:
                row["id"] = ids[key]
            else:
                row["id"] = n
                if key is not None:
                    ids[key] = n
                n += 1
        self.q = n

    def values_from(self, other, theta):
        """This table's free parameters set to the values of the same parameters (by name and
        group) in table ``other`` at ``theta`` (lavaan's ``lav_test_diff_m10``: M1 at M0's estimates)."""
        key = lambda r: (r["lhs"], r["op"], r["rhs"], r["group"])  # noqa: E731
        vals = {key(r): (theta[r["id"]] if r["free"] else r["value"]) for r in other.table}
        out = np.zeros(self.q)
        for r in self.table:
            if r["free"]:
                out[r["id"]] = vals[key(r)]
        return out

    def parameter_names(self):
        """lavaan-style names of the free parameters (``F=~x``, ``x~~x``, ``x|t1``), one per id."""
        names = {}
        for r in self.table:
            if r["free"]:
                g = f" (group {r['group'] + 1})" if self.G > 1 else ""
                names.setdefault(r["id"], f"{r['lhs']}{r['op']}{r['rhs']}{g}")
        return [names[k] for k in range(self.q)]

    def check_identified(self, delta, rtol=1e-8):
        """Error naming the parameters when the moments' Jacobian ``delta`` (moments x q) is rank deficient.

        A null vector of Delta is a direction in which those parameters change together without
        changing any implied moment, so the model is not (locally) identified there.
        """
        if self.q == 0:
            return
        _, sv, vt = np.linalg.svd(delta, full_matrices=False)
        if sv[-1] > rtol * sv[0]:
            return
        v = np.abs(vt[-1])
        names = self.parameter_names()
        which = [names[k] for k in np.flatnonzero(v > 0.1 * v.max())]
        raise CoproError("the model is not identified: the parameters " + ", ".join(which)
                         + " can change together without changing the implied moments; fix one of them "
                         "(e.g. a marker loading to 1 or a factor variance to 1)")

    def _index(self):
        self.fill = []
        for g in range(self.G):
            d = {}
            for mat in "LBPTNAKD":
                rs = [r for r in self.table if r["group"] == g and r["mat"] == mat]
                fr = [r for r in rs if r["free"]]
                fx = [r for r in rs if not r["free"] and not np.isnan(r["value"])]
                d[mat] = (np.array([r["i"] for r in fr], int), np.array([r["j"] for r in fr], int),
                          np.array([r["id"] for r in fr], int),
                          np.array([r["i"] for r in fx], int), np.array([r["j"] for r in fx], int),
                          np.array([r["value"] for r in fx], float))
            self.fill.append(d)

    # ---------------------------------------------------------------- moments
    def matrices(self, theta, g):
        p, m = self.p, self.m
        shapes = {"L": (p, m), "B": (m, m), "P": (m, m), "T": (p, p), "N": (p, 1), "A": (m, 1),
                  "K": (self.n_th, 1), "D": (p, 1)}
        out = {}
        for mat, shape in shapes.items():
            fi, fj, fid, xi, xj, xv = self.fill[g][mat]
            a = np.ones(shape) if mat == "D" else np.zeros(shape)
            a[xi, xj] = xv
            a[fi, fj] = theta[fid]
            if mat in "PT":
                a[xj, xi] = xv
                a[fj, fi] = theta[fid]
            out[mat] = a
        return out

    @property
    def second_order(self):
        return bool(self.endogenous.any())

    def latent(self, mt):
        """(I - B)^-1, the latent covariance C = (I - B)^-1 Psi (I - B)^-T and latent means (I - B)^-1 alpha."""
        if not self.second_order:
            return np.eye(self.m), mt["P"], mt["A"]
        ib = np.linalg.inv(np.eye(self.m) - mt["B"])
        return ib, ib @ mt["P"] @ ib.T, ib @ mt["A"]

    def implied(self, theta, g):
        """Model-implied covariance matrix, means and thresholds of group ``g``."""
        mt = self.matrices(theta, g)
        lam = mt["L"]
        _, cov_lv, mean_lv = self.latent(mt)
        sigma = lam @ cov_lv @ lam.T + mt["T"]
        mu = (mt["N"] + lam @ mean_lv)[:, 0]
        if not self.n_th:
            return sigma, mu, np.zeros(0)
        d = mt["D"][:, 0]
        o = self.is_ord
        sigma = sigma * np.outer(d, d)
        sigma[o, o] = 1.0
        tau = d[self.th_item] * (mt["K"][:, 0] - mu[self.th_item])
        return sigma, mu, tau

    def residual_variances(self, theta, g):
        """Residual variances (continuous) and 1/delta^2 - explained (ordered) of group ``g``."""
        mt = self.matrices(theta, g)
        expl = np.einsum("ij,jk,ik->i", mt["L"], self.latent(mt)[1], mt["L"])
        t = np.diag(mt["T"]).copy()
        d = mt["D"][:, 0]
        t[self.is_ord] = 1.0 / d[self.is_ord] ** 2 - expl[self.is_ord]
        return t

    def second_term(self, theta, g, gS, gM):
        """sum_ab gS_ab d2Sigma_ab/dtheta_k dtheta_l + sum_a gM_a d2mu_a/dtheta_k dtheta_l (q x q).

        Loading (i,j) with loading (k,l): 2 phi_jl gS_ik; loading (i,j) with latent covariance
        (k,l): 2 [d_jk (Lambda' gS)_li + d_jl (Lambda' gS)_ki] (once when k = l); loading (i,j)
        with latent mean k: gM_i d_jk. Continuous items only (the ML estimators).
        """
        mt = self.matrices(theta, g)
        lam, phi = mt["L"], mt["P"]
        f = self.fill[g]
        iL, jL, kL = f["L"][:3]
        iP, jP, kP = f["P"][:3]
        iA, _, kA = f["A"][:3]
        out = np.zeros((self.q, self.q))
        if not len(kL):
            return out
        ll = 2 * phi[np.ix_(jL, jL)] * gS[np.ix_(iL, iL)]
        np.add.at(out, (kL[:, None], kL[None, :]), ll)
        if len(kP):
            lg = lam.T @ gS  # (m, p)
            a, b = iP, jP    # latent covariance (a, b)
            lp = 2 * ((jL[:, None] == a[None, :]) * lg[b][:, iL].T
                      + ((jL[:, None] == b[None, :]) & (a != b)[None, :]) * lg[a][:, iL].T)
            np.add.at(out, (kL[:, None], kP[None, :]), lp)
            np.add.at(out, (kP[:, None], kL[None, :]), lp.T)
        if len(kA):
            la = (jL[:, None] == iA[None, :]) * gM[iL][:, None]
            np.add.at(out, (kL[:, None], kA[None, :]), la)
            np.add.at(out, (kA[:, None], kL[None, :]), la.T)
        return out

    def jacobian(self, theta, g):
        """Derivatives of (Sigma, mu, tau) of group ``g`` with respect to the free parameters.

        Returns arrays of shape (q, p, p), (q, p) and (q, n_thresholds), analytic:
        dSigma/dLambda_ij = e_i a' + a e_i' (a = Lambda Phi[:, j]), dSigma/dPhi_ij =
        l_i l_j' + l_j l_i', dSigma/dTheta_ij = E_ij + E_ji, dmu/dnu_i = e_i,
        dmu/dalpha_j = l_j; ordered items as in :meth:`implied`.
        """
        mt = self.matrices(theta, g)
        ib, phi, alpha = self.latent(mt)
        lam, alpha = mt["L"], alpha[:, 0]
        lt = lam @ ib  # loadings on the disturbances
        p, q = self.p, self.q
        dS = np.zeros((q, p, p))
        dM = np.zeros((q, p))
        dK = np.zeros((q, self.n_th))
        f = self.fill[g]
        # loadings
        i, j, k = f["L"][:3]
        if len(k):
            a = (lam @ phi)[:, j].T  # (n, p)
            blk = np.zeros((len(k), p, p))
            blk[np.arange(len(k)), i, :] += a
            blk[np.arange(len(k)), :, i] += a
            _acc(dS, k, blk)
            _acc(dM, (k, i), alpha[j])
        # loadings of factors on factors: dC = IB E_ij C + C E_ji IB'
        i, j, k = f["B"][:3]
        if len(k):
            a, c = lt[:, i].T, (lam @ phi)[:, j].T
            blk = a[:, :, None] * c[:, None, :]
            _acc(dS, k, blk + np.swapaxes(blk, 1, 2))
            _acc(dM, k, a * (ib @ mt["A"][:, 0])[j][:, None])
        # latent (disturbance) (co)variances
        i, j, k = f["P"][:3]
        if len(k):
            li, lj = lt[:, i].T, lt[:, j].T
            blk = li[:, :, None] * lj[:, None, :]
            blk = blk + np.where((i != j)[:, None, None], np.swapaxes(blk, 1, 2), 0.0)
            _acc(dS, k, blk)
        # residual (co)variances
        i, j, k = f["T"][:3]
        if len(k):
            _acc(dS, (k, i, j), 1.0)
            off = i != j
            _acc(dS, (k[off], j[off], i[off]), 1.0)
        i, _, k = f["N"][:3]
        if len(k):
            _acc(dM, (k, i), 1.0)
        i, _, k = f["A"][:3]
        if len(k):
            _acc(dM, k, lt[:, i].T)
        if not self.n_th:
            return dS, dM, dK
        d = mt["D"][:, 0]
        o = self.is_ord
        dS = dS * np.outer(d, d)
        dS[:, o, o] = 0.0
        dK = -d[self.th_item] * dM[:, self.th_item]
        i, _, k = f["K"][:3]
        if len(k):
            np.add.at(dK, (k, i), d[self.th_item[i]])
        i, _, k = f["D"][:3]
        if len(k):
            sigma, mu, tau = self.implied(theta, g)
            for ii, kk in zip(i, k):
                col = sigma[ii] / d[ii]
                dS[kk, ii, :] += col
                dS[kk, :, ii] += col
                dS[kk, ii, ii] = 0.0
                sel = self.th_item == ii
                dK[kk, sel] += tau[sel] / d[ii]
        return dS, dM, dK
