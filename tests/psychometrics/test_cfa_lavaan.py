"""copro_scale.psychometrics.cfa against lavaan 0.6 (tests/reference/make_reference_cfa.R)."""


import numpy as np
import pandas as pd
import pytest

from copro_scale.errors import CoproError
from copro_scale.psychometrics.cfa import cfa, invariance, parse_model

TOL = 1e-3
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = """ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8"""
FIT = {"chisq": "chisq", "df": "df", "pvalue": "pvalue", "cfi": "cfi", "tli": "tli", "rmsea": "rmsea",
       "rmsea.ci.lower": "rmsea_ci_lower", "rmsea.ci.upper": "rmsea_ci_upper", "srmr": "srmr",
       "logl": "loglik", "unrestricted.logl": "unrestricted_loglik", "aic": "aic", "bic": "bic",
       "baseline.chisq": "baseline_chisq", "baseline.df": "baseline_df", "npar": "npar"}
SCALED = {"chisq.scaled": "chisq_scaled", "pvalue.scaled": "pvalue_scaled",
          "chisq.scaling.factor": "chisq_scaling_factor", "baseline.chisq.scaled": "baseline_chisq_scaled",
          "cfi.scaled": "cfi_scaled", "tli.scaled": "tli_scaled", "rmsea.scaled": "rmsea_scaled",
          "rmsea.ci.lower.scaled": "rmsea_ci_lower_scaled", "rmsea.ci.upper.scaled": "rmsea_ci_upper_scaled"}
ROBUST = {"cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea.robust": "rmsea_robust",
          "rmsea.ci.lower.robust": "rmsea_ci_lower_robust", "rmsea.ci.upper.robust": "rmsea_ci_upper_robust"}


def check_fit(res, r, keys):
    for rk, k in keys.items():
        want = r["fit"][rk]
        if want is None:
            assert res.fit.get(k) is None or np.isnan(res.fit[k]), rk
        else:
            assert res.fit[k] == pytest.approx(want, abs=TOL), rk


def check_estimates(res, r, se=True):
    p = r["par"]
    look = {(a, o, b, g): (e, s, st) for a, o, b, g, e, s, st in
            zip(p["lhs"], p["op"], p["rhs"], p["group"], p["est"], p["se"], p["std_all"])}
    assert len(res.estimates) == len(p["lhs"])
    for row in res.estimates.itertuples():
        e, s, st = look[(row.lhs, row.op, row.rhs, row.group)]
        assert row.est == pytest.approx(e, abs=TOL), (row.lhs, row.op, row.rhs)
        assert row.std_all == pytest.approx(st, abs=TOL), (row.lhs, row.op, row.rhs)
        if se and row.free:
            assert row.se == pytest.approx(s, abs=TOL), (row.lhs, row.op, row.rhs)


# ----------------------------------------------------------------- bugs of the first version
def test_std_all_of_residual_covariance_is_a_residual_correlation(ref_cfa, poldem):
    res = cfa(poldem, PD)
    row = res.estimates.query("lhs == 'y1' and op == '~~' and rhs == 'y5'").iloc[0]
    assert row.std_all == pytest.approx(0.2958, abs=1e-4)
    check_fit(res, ref_cfa["pd_ml"], FIT)
    check_estimates(res, ref_cfa["pd_ml"])


def test_just_identified_model_fit_as_lavaan(ref_cfa, hs):
    res = cfa(hs, "visual =~ x1 + x2 + x3")
    assert res.fit["df"] == 0
    assert (res.fit["cfi"], res.fit["tli"], res.fit["rmsea"]) == (1.0, 1.0, 0.0)
    assert (res.fit["rmsea_ci_lower"], res.fit["rmsea_ci_upper"]) == (0.0, 0.0)
    check_fit(res, ref_cfa["hs_just"], FIT)


def test_sample_cov_input_as_lavaan(ref_cfa, hs):
    cov = hs[[f"x{i}" for i in range(1, 10)]].cov()
    res = cfa(None, HS, sample_cov=cov, n_obs=len(hs))
    check_fit(res, ref_cfa["hs_cov"], {k: v for k, v in FIT.items() if k != "unrestricted.logl"})
    check_estimates(res, ref_cfa["hs_cov"])


def test_correlation_matrix_passed_as_data_is_refused(hs):
    cor = hs[[f"x{i}" for i in range(1, 10)]].corr()
    with pytest.raises(CoproError, match="sample_cov="):
        cfa(cor, HS)
    with pytest.raises(CoproError, match="n_obs"):
        cfa(None, HS, sample_cov=cor)


# ----------------------------------------------------------------- syntax and names
@pytest.mark.parametrize("model,message", [
    ("visual =~ x1 + x2 + x3 + x2", "indicator 'x2' of factor 'visual' is given twice"),
    ("visual => x1 + x2 + x3", "unknown operator '=>'"),
    ("visual = x1 + x2 + x3", "unknown operator '='"),
    ("visual =~ x1 + x2 + x3\nvisual ~ x4", "operator '~' .regressions."),
    ("visual =~ x1 + x2 + x3\nx1 | t1", "operator '|'"),
    ("visual =~ x1 + x2 + \nspeed =~ x7 + x8", "empty term"),
    ("visual =~ x1 + x2 + x3\nx1 ~~ x2\nx2 ~~ x1", "'x2 ~~ x1' is given twice"),
])
def test_syntax_errors_name_the_term(model, message):
    with pytest.raises(CoproError, match=message):
        parse_model(model)


def test_latent_named_like_a_column_is_an_error(hs):
    with pytest.raises(CoproError, match=r"\['x1'\] are also column names"):
        cfa(hs, "x1 =~ x2 + x3 + x4")
    with pytest.raises(CoproError, match=r"\['school'\] are also column names"):  # unused column
        cfa(hs, "school =~ x1 + x2 + x3")
    with pytest.raises(CoproError, match="load on each other in a circle"):
        cfa(hs, "visual =~ x1 + x2 + speed\nspeed =~ x7 + x8 + visual")


def test_bad_options_are_named(hs):
    with pytest.raises(CoproError, match="unknown estimator 'GLS'"):
        cfa(hs, HS, estimator="GLS")
    with pytest.raises(CoproError, match="missing='pairwise' is for estimator='WLSMV'"):
        cfa(hs, HS, missing="pairwise")
    with pytest.raises(CoproError, match=r"item column\(s\) \['x2'\] have no answers"):
        cfa(hs.assign(x2=np.nan), HS, missing="fiml")
    with pytest.raises(CoproError, match=r"item\(s\) \['x5'\] have no variance"):
        cfa(hs.assign(x5=3.0), HS)


# ----------------------------------------------------------------- FIML and MLR
def test_listwise_counts_the_rows_it_drops(ref_cfa, hsm):
    res = cfa(hsm, HS)
    check_fit(res, ref_cfa["hsm_listwise_ml"], FIT)
    assert res.n_obs + res.excluded["incomplete rows (listwise)"] == len(hsm)


def test_fiml_ml_matches_lavaan(ref_cfa, hsm):
    res = cfa(hsm, HS, missing="ml")
    assert res.converged and res.n_obs == len(hsm)
    check_fit(res, ref_cfa["hsm_fiml_ml"], FIT)
    check_estimates(res, ref_cfa["hsm_fiml_ml"])


def test_fiml_mlr_matches_lavaan(ref_cfa, hsm):
    res = cfa(hsm, HS, missing="fiml", estimator="MLR")
    check_fit(res, ref_cfa["hsm_fiml_mlr"], {**FIT, **SCALED})
    check_estimates(res, ref_cfa["hsm_fiml_mlr"])


@pytest.mark.parametrize("key,data", [("hs_mlr", "hs"), ("pd_mlr", "poldem")])
def test_mlr_complete_data_matches_lavaan(ref_cfa, key, data, request):
    res = cfa(request.getfixturevalue(data), HS if data == "hs" else PD, estimator="MLR")
    check_fit(res, ref_cfa[key], {**FIT, **SCALED, **ROBUST})
    check_estimates(res, ref_cfa[key])


def test_fiml_robust_indices_match_lavaan(ref_cfa, hsm):
    # lavaan 0.6.13+ reports FIML-corrected robust CFI/TLI/RMSEA, for ML too
    check_fit(cfa(hsm, HS, missing="fiml"), ref_cfa["hsm_fiml_ml"], ROBUST)
    check_fit(cfa(hsm, HS, missing="fiml", estimator="MLR"), ref_cfa["hsm_fiml_mlr"], ROBUST)


def test_mlr_fiml_invariance_and_partial_invariance_match_lavaan(ref_cfa, hsm):
    r = ref_cfa["hsm_mlr_school"]
    inv = invariance(hsm, HS, "school", estimator="MLR", missing="fiml")
    for step, res in inv.fits.items():
        check_fit(res, r[step], {**FIT, **SCALED, **ROBUST})
        check_estimates(res, r[step])
    t = inv.table
    for step in ("metric", "scalar"):  # Satorra-Bentler (2001) scaled difference, as lavTestLRT
        assert t.loc[step, "chisq_diff"] == pytest.approx(r["lrt"][step]["chisq_diff"], abs=TOL)
        assert t.loc[step, "df_diff"] == r["lrt"][step]["df_diff"]
        assert t.loc[step, "pvalue_diff"] == pytest.approx(r["lrt"][step]["p"], abs=TOL)
    assert t.loc["scalar", "delta_cfi"] == pytest.approx(r["scalar"]["fit"]["cfi.robust"]
                                                        - r["metric"]["fit"]["cfi.robust"], abs=TOL)
    assert set(t["index"]) == {"robust"}
    partial = invariance(hsm, HS, "school", estimator="MLR", missing="fiml", group_partial=["x3~1", "x7~1"])
    check_fit(partial.fits["scalar"], r["partial"], {**FIT, **SCALED, **ROBUST})
    check_estimates(partial.fits["scalar"], r["partial"])
    free = partial.fits["scalar"].estimates.query("op == '~1' and lhs in ['x3', 'x1'] and group == 2")
    assert free.set_index("lhs")["est"]["x3"] != pytest.approx(inv.fits["scalar"].estimates.query(
        "op == '~1' and lhs == 'x3' and group == 2")["est"].iloc[0], abs=1e-3)


# ----------------------------------------------------------------- WLSMV, ordered items
AC = "agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5"
ORD = [f"A{i}" for i in range(1, 6)] + [f"C{i}" for i in range(1, 6)]
SHIFTED = {k: v for k, v in SCALED.items() if k != "baseline.chisq.scaled"} | {
    "baseline.chisq.scaled": "baseline_chisq_scaled"}


@pytest.mark.parametrize("key,missing", [("bfi_wlsmv", "listwise"), ("bfi_wlsmv_pairwise", "pairwise")])
def test_wlsmv_matches_lavaan(ref_cfa, bfi_ord, key, missing):
    data = bfi_ord.dropna() if missing == "listwise" else bfi_ord
    res = cfa(data, AC, ordered=ORD, missing=missing)  # estimator defaults to WLSMV, as lavaan
    assert res.estimator == "WLSMV" and res.converged
    check_fit(res, ref_cfa[key], {k: v for k, v in FIT.items()
                              if k not in ("logl", "unrestricted.logl", "aic", "bic")} | SHIFTED | ROBUST)
    check_estimates(res, ref_cfa[key])


def test_wlsmv_errors_name_the_item(bfi_ord):
    with pytest.raises(CoproError, match="non-integer values"):
        cfa(bfi_ord.dropna().assign(A1=lambda d: d["A1"] + 0.5), AC, ordered=ORD)
    with pytest.raises(CoproError, match=r"not in ordered: \['A1'\]"):
        cfa(bfi_ord.dropna(), AC, ordered=ORD[1:])
    with pytest.raises(CoproError, match="missing='fiml' needs estimator 'ML' or 'MLR'"):
        cfa(bfi_ord, AC, ordered=ORD, missing="fiml")
    with pytest.raises(CoproError, match="ordered item 'A2' has fewer than 2 observed categories"):
        cfa(bfi_ord.dropna().assign(A2=3), AC, ordered=ORD)
    one_sided = bfi_ord.dropna().assign(A3=lambda d: d["A3"].where(d["gender"] == "male", 1))
    with pytest.raises(CoproError, match="ordered item 'A3' has an empty category in group 'female'"):
        cfa(one_sided, AC, ordered=ORD, group="gender")


def test_wlsmv_invariance_matches_lavaan(ref_cfa, bfi_ord):
    r = ref_cfa["bfi_wlsmv_gender"]
    inv = invariance(bfi_ord.dropna(), AC, "gender", ordered=ORD)
    keys = {k: v for k, v in FIT.items() if k not in ("logl", "unrestricted.logl", "aic", "bic")} | SHIFTED | ROBUST
    for step, res in inv.fits.items():
        check_fit(res, r[step], keys)
        check_estimates(res, r[step])
    for step in ("metric", "scalar"):  # lavTestLRT: Satorra (2000) scaled-shifted difference
        assert inv.table.loc[step, "chisq_diff"] == pytest.approx(r["lrt"][step]["chisq_diff"], abs=TOL)
        assert inv.table.loc[step, "df_diff"] == r["lrt"][step]["df_diff"]
        assert inv.table.loc[step, "pvalue_diff"] == pytest.approx(r["lrt"][step]["p"], abs=TOL)
        assert inv.table.loc[step, "delta_cfi"] == pytest.approx(
            r[step]["fit"]["cfi.scaled"] - r[{"metric": "configural", "scalar": "metric"}[step]]["fit"]["cfi.scaled"],
            abs=TOL)
    assert "free scaling factors" in inv.fits["scalar"].warning


def test_wlsmv_robust_indices_need_a_positive_definite_polychoric_matrix():
    # pairwise blocks with incompatible correlations: a-b and b-c high, a-c strongly negative
    rng = np.random.default_rng(5)
    blocks = []
    for pair, r in ((("a", "b"), 0.9), (("b", "c"), 0.9), (("a", "c"), -0.9)):
        z = rng.multivariate_normal(np.zeros(3), [[1, r, 0.5], [r, 1, 0.5], [0.5, 0.5, 1]], size=400)
        block = pd.DataFrame(np.digitize(z, [-0.5, 0.5]) + 1.0, columns=[*pair, "d"])
        blocks.append(block)
    data = pd.concat(blocks, ignore_index=True)[["a", "b", "c", "d"]]
    res = cfa(data, "F =~ a + b + c + d", ordered=["a", "b", "c", "d"], missing="pairwise")
    assert np.isnan(res.fit["cfi_robust"]) and np.isnan(res.fit["rmsea_robust"])
    assert "not positive definite" in res.warning
    assert np.isfinite(res.fit["cfi_scaled"])


def test_ordinal_statistics_are_computed_once_per_data(bfi_ord):
    """A validation fits eleven WLSMV models to two forms: the thresholds, polychorics and
    their NACOV of one table are computed once, and no fit can change them."""
    from copro_scale.psychometrics.cfa import ordinal

    codes, levels = ordinal.codes_of(bfi_ord.dropna(), list(bfi_ord.columns[:5]))
    ncat = [len(lv) for lv in levels]
    first = ordinal.ordinal_stats(codes, ncat)
    assert ordinal.ordinal_stats(codes.copy(), ncat) is first
    fresh = ordinal._ordinal_stats(codes, ncat)
    assert np.array_equal(first.nacov, fresh.nacov) and np.array_equal(first.rho, fresh.rho)
    with pytest.raises(ValueError):
        first.rho[0, 1] = 0.5
    other = codes.copy()
    other[0, 0] = (other[0, 0] + 1) % ncat[0]
    assert ordinal.ordinal_stats(other, ncat) is not first


def test_wlsmv_rmsea_counts_n_minus_groups_as_lavaan(ref_cfa, bfi_ord):
    """lavaan's RMSEA for WLSMV rests on N - G (lav_utils_get_ntotal), not N: a shortfall of
    sqrt((N - G) / N) that the 1e-3 tolerance hid (found by re-running lavaan on 120 rows)."""
    rmseas = [k for k in {**FIT, **SHIFTED, **ROBUST} if k.startswith("rmsea")]
    fits = [(cfa(bfi_ord.dropna(), AC, ordered=ORD), ref_cfa["bfi_wlsmv"])]
    inv = invariance(bfi_ord.dropna(), AC, "gender", ordered=ORD)
    fits += [(inv.fits["configural"], ref_cfa["bfi_wlsmv_gender"]["configural"])]
    for res, ref in fits:
        for k in rmseas:
            want = ref["fit"][k] if "fit" in ref else ref[k]
            assert res.fit[{**FIT, **SHIFTED, **ROBUST}[k]] == pytest.approx(want, abs=2e-6), k
