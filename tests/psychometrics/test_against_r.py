"""copro_scale.psychometrics against reference values computed in R (tests/reference)."""

import json

import numpy as np
import pytest

from copro_scale.psychometrics import (
    bartlett,
    cfa,
    efa,
    invariance,
    kmo,
    omega,
    parallel_analysis,
    polychoric,
    reliability,
    team_agreement,
    velicer_map,
)

TOL = 1e-3
N = ["N1", "N2", "N3", "N4", "N5"]
HS_MODEL = """
# lavaan tutorial
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9
"""
FIT_KEYS = {"chisq": "chisq", "df": "df", "pvalue": "pvalue", "cfi": "cfi", "tli": "tli",
            "rmsea": "rmsea", "rmsea.ci.lower": "rmsea_ci_lower", "rmsea.ci.upper": "rmsea_ci_upper",
            "srmr": "srmr", "aic": "aic", "bic": "bic", "logl": "loglik",
            "baseline.chisq": "baseline_chisq", "baseline.df": "baseline_df", "npar": "npar"}


def assert_fit(fit, ref_fit):
    for rk, ok in FIT_KEYS.items():
        assert fit[ok] == pytest.approx(ref_fit[rk], abs=TOL), rk


def matched_max_diff(loadings, ref_loadings):
    """Max abs difference after matching columns (by congruence) and signs."""
    a = np.asarray(loadings)
    b = np.asarray(ref_loadings)
    diffs = []
    used = set()
    for j in range(b.shape[1]):
        cong = [abs(a[:, i] @ b[:, j]) / np.sqrt((a[:, i] @ a[:, i]) * (b[:, j] @ b[:, j]))
                if i not in used else -1 for i in range(a.shape[1])]
        i = int(np.argmax(cong))
        used.add(i)
        s = np.sign(a[:, i] @ b[:, j])
        diffs.append(np.max(np.abs(s * a[:, i] - b[:, j])))
    return max(diffs)


# ----------------------------------------------------------------- reliability
@pytest.mark.parametrize("key,cols,complete", [
    ("alpha_N_complete", N, True),
    ("alpha_N_pairwise", N, False),
    ("alpha_A_pairwise", ["A2", "A3", "A4", "A5"], False),
])
def test_alpha_matches_psych(ref, bfi, bfi_complete, key, cols, complete):
    r = ref[key]
    res = reliability((bfi_complete if complete else bfi)[cols])
    assert res.alpha == pytest.approx(r["alpha"], abs=TOL)
    assert res.std_alpha == pytest.approx(r["std_alpha"], abs=TOL)
    assert res.alpha_ci == pytest.approx([r["feldt_lower"], r["feldt_upper"]], abs=TOL)
    s = res.item_stats
    for col in ("r_drop", "mean", "sd", "alpha_if_deleted"):
        np.testing.assert_allclose(s[col].to_numpy(), r[col], atol=TOL)
    assert ((s["floor"] >= 0) & (s["ceiling"] <= 1)).all()


def test_ordinal_alpha_matches_psych(ref, bfi_complete):
    assert reliability(bfi_complete[N], ordinal=True).alpha == pytest.approx(ref["alpha_N_ordinal"], abs=TOL)


def test_bootstrap_is_seeded_and_brackets_alpha(bfi):
    a = reliability(bfi[N], n_boot=300, seed=7)
    b = reliability(bfi[N], n_boot=300, seed=7)
    assert a.alpha_boot_ci == b.alpha_boot_ci
    assert a.alpha_boot_ci[0] < a.alpha < a.alpha_boot_ci[1]
    assert reliability(bfi[N]).alpha_boot_ci is None


def test_listwise_differs_from_pairwise(bfi, bfi_complete):
    lw = reliability(bfi[N], nan_policy="listwise")
    assert lw.n_obs == len(bfi[N].dropna())
    assert lw.alpha == pytest.approx(reliability(bfi[N].dropna()).alpha, abs=1e-12)
    assert lw.alpha != pytest.approx(reliability(bfi[N]).alpha, abs=1e-6)


# ----------------------------------------------------------------- polychoric
@pytest.mark.parametrize("key,complete", [("polychoric_N", True), ("polychoric_N_missing", False)])
def test_polychoric_matches_psych(ref, bfi, bfi_complete, key, complete):
    res = polychoric((bfi_complete if complete else bfi)[N])
    np.testing.assert_allclose(res.rho.to_numpy(), ref[key]["rho"], atol=TOL)
    np.testing.assert_allclose(res.tau.to_numpy(), ref[key]["tau"], atol=TOL)
    assert not res.smoothed and res.warning is None


# ----------------------------------------------------------------- omega
def test_omega_mtcars_matches_psych(ref, mtcars):
    r = ref["omega_mtcars"]
    res = omega(mtcars)
    assert res.alpha == pytest.approx(r["alpha"], abs=TOL)
    assert res.omega_h == pytest.approx(r["omega_h"], abs=TOL)
    assert res.omega_total == pytest.approx(r["omega_t"], abs=TOL)
    np.testing.assert_allclose(res.g_loadings.to_numpy(), r["g_loadings"], atol=0.01)


def test_omega_bfi_five_factors(ref, bfi_complete):
    r = ref["omega_bfi5"]
    res = omega(bfi_complete, n_factors=5)
    assert (res.alpha, res.omega_h, res.omega_total) == pytest.approx(
        (r["alpha"], r["omega_h"], r["omega_t"]), abs=TOL)


# ----------------------------------------------------------------- KMO, Bartlett, n factors
def test_kmo_matches_psych(ref, bfi, bfi_complete):
    for data, key in ((bfi, "kmo_bfi_pairwise"), (bfi_complete, "kmo_bfi_complete")):
        res = kmo(data)
        assert res.overall == pytest.approx(ref[key]["overall"], abs=TOL)
        np.testing.assert_allclose(res.per_item.to_numpy(), ref[key]["per_item"], atol=TOL)


def test_bartlett_matches_psych(ref, bfi_complete):
    res = bartlett(bfi_complete)
    r = ref["bartlett_bfi_complete"]
    assert res.chi2 == pytest.approx(r["chi2"], rel=1e-6)
    assert res.df == r["df"]
    assert res.pvalue == pytest.approx(r["p"], abs=TOL)


def test_parallel_analysis(ref, bfi_complete):
    res = parallel_analysis(bfi_complete, n_iter=20, seed=1)
    np.testing.assert_allclose(res.eigenvalues["observed"].to_numpy(), ref["parallel_bfi"]["fa_values"], atol=TOL)
    assert res.n_factors == ref["parallel_bfi"]["nfact"] == 6
    again = parallel_analysis(bfi_complete, n_iter=20, seed=1)
    assert again.eigenvalues.equals(res.eigenvalues)


def test_velicer_map(ref, bfi_complete):
    res = velicer_map(bfi_complete)
    np.testing.assert_allclose(res.map_values["map"].to_numpy(), ref["map_bfi"]["map"], atol=1e-6)
    assert res.n_factors == ref["map_bfi"]["suggested"]


# ----------------------------------------------------------------- EFA
EFA_CASES = {
    "minres_oblimin": (5, "minres", "oblimin"),
    "ml_oblimin": (5, "ml", "oblimin"),
    "pa_varimax": (5, "pa", "varimax"),
    "minres_promax": (5, "minres", "promax"),
    "minres_geomin": (5, "minres", "geomin"),
    "minres_none": (5, "minres", None),
    "ml_varimax_hs": (3, "ml", "varimax"),
}


@pytest.mark.parametrize("key", list(EFA_CASES))
def test_efa_matches_psych(ref, bfi_complete, hs, key):
    nf, method, rotation = EFA_CASES[key]
    data = hs[[f"x{i}" for i in range(1, 10)]] if key.endswith("_hs") else bfi_complete
    r = ref["efa"][key]
    res = efa(data, nf, method=method, rotation=rotation)
    assert res.converged and res.warning is None
    # psych's order and signs: the columns must match directly, not only after matching
    np.testing.assert_allclose(res.loadings.to_numpy(), r["loadings"], atol=0.01)
    assert matched_max_diff(res.loadings, r["loadings"]) < 0.01
    np.testing.assert_allclose(res.communalities.to_numpy(), r["communalities"], atol=TOL)
    if "phi" in r:
        np.testing.assert_allclose(res.phi.to_numpy(), r["phi"], atol=0.01)
    else:
        assert res.phi is None
    if "rmsea" in r:
        assert res.rmsea == pytest.approx(r["rmsea"], abs=TOL)
        assert res.tli == pytest.approx(r["tli"], abs=TOL)


# ----------------------------------------------------------------- CFA
def test_cfa_one_group_matches_lavaan(ref, hs):
    res = cfa(hs, HS_MODEL)
    assert res.converged and res.warning is None
    assert_fit(res.fit, ref["cfa_hs"]["fit"])
    r = ref["cfa_hs"]
    lookup = {(a, o, b): (e, s, st) for a, o, b, e, s, st in
              zip(r["lhs"], r["op"], r["rhs"], r["est"], r["se"], r["std_all"])}
    for row in res.estimates.itertuples():
        e, s, st = lookup[(row.lhs, row.op, row.rhs)]
        assert row.est == pytest.approx(e, abs=TOL)
        assert row.std_all == pytest.approx(st, abs=TOL)
        if row.free:
            assert row.se == pytest.approx(s, abs=TOL)
    assert res.std_loadings.loc["x1", "visual"] == pytest.approx(lookup[("visual", "=~", "x1")][2], abs=TOL)


def test_cfa_residual_covariance_model(ref, hs):
    res = cfa(hs, "visual =~ x1 + x2 + x3 + x9\n textual =~ x4 + x5 + x6\n x2 ~~ x3")
    assert res.converged
    assert_fit(res.fit, ref["cfa_hs_model2"]["fit"])


@pytest.mark.parametrize("step,equal", [("configural", ()), ("metric", ("loadings",)),
                                        ("scalar", ("loadings", "intercepts"))])
def test_cfa_multigroup_matches_lavaan(ref, hs, step, equal):
    res = cfa(hs, HS_MODEL, group="school", group_equal=equal)
    assert res.converged
    assert_fit(res.fit, ref["cfa_hs_school"][step])


def test_scalar_estimates_match_lavaan(ref, hs):
    res = cfa(hs, HS_MODEL, group="school", group_equal=("loadings", "intercepts"))
    r = ref["cfa_hs_school"]
    lookup = {(a, o, b, g): e for a, o, b, g, e in
              zip(r["scalar_lhs"], r["scalar_op"], r["scalar_rhs"], r["scalar_group"], r["scalar_est"])}
    for row in res.estimates.itertuples():
        assert row.est == pytest.approx(lookup[(row.lhs, row.op, row.rhs, row.group)], abs=TOL)
    means = res.estimates.query("op == '~1' and rhs == '' and lhs == 'visual'")
    assert means["free"].tolist() == [False, True]  # latent means free after the first group


def test_invariance_table(ref, hs):
    inv = invariance(hs, HS_MODEL, "school")
    t = inv.table
    r = ref["cfa_hs_school"]
    assert t["chisq"].tolist() == pytest.approx([115.851, 124.044, 164.103], abs=TOL)
    assert t["df"].tolist() == [48, 54, 60]
    assert t.loc["metric", "chisq_diff"] == pytest.approx(r["chisq_diff"]["metric"], abs=TOL)
    assert t.loc["scalar", "pvalue_diff"] == pytest.approx(r["chisq_diff"]["scalar_p"], abs=TOL)
    assert t.loc["metric", "delta_cfi"] == pytest.approx(r["metric"]["cfi"] - r["configural"]["cfi"], abs=TOL)
    assert t.loc["scalar", "delta_rmsea"] == pytest.approx(r["scalar"]["rmsea"] - r["metric"]["rmsea"], abs=TOL)
    json.dumps(inv.to_dict())


# ----------------------------------------------------------------- team agreement
def test_team_agreement_matches_multilevel(ref, lq):
    r = ref["agreement_lq"]
    res = team_agreement(lq, "COMPID")
    assert res.icc1 == pytest.approx(r["icc1_scale"], abs=TOL)
    assert res.icc2 == pytest.approx(r["icc2_scale"], abs=TOL)
    assert res.icc.loc["LEAD01", "icc1"] == pytest.approx(r["icc1_lead01"], abs=TOL)
    assert res.icc.loc["LEAD01", "icc2"] == pytest.approx(r["icc2_lead01"], abs=TOL)
    assert [str(t) for t in res.teams.index] == r["team"]
    np.testing.assert_allclose(res.teams["rwg_j"].to_numpy(), np.array(r["rwg_j"], float), atol=TOL)
    np.testing.assert_allclose(res.teams["ad_j"].to_numpy(), np.array(r["ad_j"], float), atol=TOL)
    assert res.teams["n"].tolist() == r["gsize"]
    # team given as a Series gives the same answer
    same = team_agreement(lq.drop(columns="COMPID"), lq["COMPID"])
    assert same.icc1 == res.icc1


def test_polychoric_unequal_categories_matches_psych(ref, bfi_complete):
    x = bfi_complete[N].copy()
    x["N3"] = x["N3"].clip(upper=4)
    res = polychoric(x)
    np.testing.assert_allclose(res.rho.to_numpy(), ref["polychoric_N_unequal"]["rho"], atol=TOL)
    assert "global=FALSE" in res.warning and "0.5/N" in res.warning


def test_ordinal_omega_matches_psych(ref, bfi_complete):
    r = ref["omega_bfi_AC_poly"]
    res = omega(bfi_complete.iloc[:, :10], n_factors=2, ordinal=True)
    assert (res.alpha, res.omega_h, res.omega_total) == pytest.approx(
        (r["alpha"], r["omega_h"], r["omega_t"]), abs=TOL)
