"""copro_scale.psychometrics.cfa against lavaan 0.6-14 on data no other test uses
(tests/reference/make_reference_cfa2.R): psychTools::msq (4-category items correlated
.85-.91), MAR injections into msq and psych::bfi, labelled markers, equality constraints,
group order, second-order factors and lavTestLRT's methods."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from copro_scale.errors import CoproError
from copro_scale.psychometrics.cfa import cfa
from copro_scale.psychometrics.cfa.ordinal import codes_of, ordinal_stats

REF = Path(__file__).resolve().parents[1] / "reference"
MI = ["sleepy", "drowsy", "tired", "wide.awake", "alert", "wakeful", "energetic", "lively", "active"]
ONE7 = "tiredness =~ sleepy + drowsy + tired + wide.awake + alert + wakeful + energetic"
TWO = "tiredness =~ sleepy + drowsy + tired\nenergy =~ wide.awake + alert + wakeful + energetic + lively + active"
NE = "neur =~ N1 + N2 + N3 + N4 + N5\nextra =~ E1 + E2 + E3 + E4 + E5"
EXTRA = "\nextra =~ E1 + E2 + E3 + E4 + E5"
FIT = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "npar", "chisq.scaled", "chisq.scaling.factor",
       "chisq.shift", "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust",
       "aic", "bic")
#: lavaan's ML optimiser (nlminb, rel.tol 1e-10 on the function) leaves estimates about 1e-5 off
ML_EST = 1e-4


@pytest.fixture(scope="module")
def ref2():
    return json.loads((REF / "reference_cfa2.json").read_text())


def _csv_fixture(name):
    @pytest.fixture(scope="module")
    def load():
        return pd.read_csv(REF / name)
    return load


msq = _csv_fixture("msq400.csv")
msq_mar = _csv_fixture("msq400_mar.csv")
bfi_mar = _csv_fixture("bfi_mar.csv")


def check(res, r, tol_fit=1e-5, tol_est=1e-5, se=True):
    """Every fit measure lavaan reports (of FIT), every estimate, SE and std.all, by name."""
    assert res.converged and r["converged"]
    for k in FIT:
        want = r["fit"].get(k)
        if want is None:
            continue
        got = res.fit[k.replace(".", "_")]
        assert got == pytest.approx(want, abs=tol_fit, rel=tol_fit), k
    want = pd.DataFrame(r["par"]).astype({"se": float})
    both = res.estimates.merge(want, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"), validate="1:1")
    assert len(both) == len(want) == len(res.estimates)
    for col in ("est", "std_all") + (("se",) if se else ()):
        rows = both[both["free"]] if col == "se" else both
        off = (rows[col] - rows[col + "_r"]).abs()
        assert off.max() <= tol_est, rows.loc[off.idxmax(), ["lhs", "op", "rhs", "group", col, col + "_r"]].tolist()


# ----------------------------------------------------------------- WLSMV polychorics
def test_wlsmv_polychorics_converge_on_highly_correlated_four_category_items(ref2, msq):
    """sleepy-drowsy (.91) used to oscillate between the +-0.9999 clips of an unguarded
    Fisher step and come back as -0.9999."""
    codes, levels = codes_of(msq[MI], MI)
    st = ordinal_stats(codes, [len(lv) for lv in levels], MI)
    assert st.rho == pytest.approx(np.array(ref2["msq_polychoric"]), abs=1e-6)
    assert not st.notes


@pytest.mark.parametrize("case,model,kw", [
    ("msq_one7", ONE7, {}),
    ("msq_two", TWO, {}),
])
def test_wlsmv_fit_on_msq_as_lavaan(ref2, msq, case, model, kw):
    res = cfa(msq, model, ordered=MI, **kw)
    check(res, ref2[case])
    assert res.warning is None  # no note about a non-positive-definite polychoric matrix


def test_validate_default_path_with_mar_missingness_as_lavaan(ref2, msq_mar):
    """``copro validate``'s default estimator and options (WLSMV, items ordered, pairwise)."""
    from copro_scale.validate_cfa import DEFAULT_ESTIMATOR, _options

    res = cfa(msq_mar, TWO, **_options(DEFAULT_ESTIMATOR, MI))
    assert (res.estimator, res.missing) == ("WLSMV", "pairwise")
    check(res, ref2["msq_mar_pairwise"])
    # the validation battery's comparison table reports lavaan's robust indices and no warning
    from copro_scale.validate_cfa import cfa_table

    row, = cfa_table(msq_mar[MI], {"two factors": TWO}, DEFAULT_ESTIMATOR)
    want = ref2["msq_mar_pairwise"]["fit"]
    assert row["converged"] and row["warning"] is None
    for k, lav in (("chisq", "chisq.scaled"), ("cfi", "cfi.robust"), ("tli", "tli.robust"),
                   ("rmsea", "rmsea.robust"), ("srmr", "srmr")):
        assert row[k] == pytest.approx(want[lav], rel=1e-6), k


def test_wlsmv_just_identified_model_fits(ref2, msq):
    """df = 0 (three items, one factor) raised LinAlgError: Singular matrix."""
    res = cfa(msq, "tiredness =~ sleepy + drowsy + tired", ordered=MI[:3])
    assert res.fit["df"] == 0 and (res.fit["cfi"], res.fit["rmsea"]) == (1.0, 0.0)
    check(res, ref2["msq_df0"], tol_fit=1e-6)


def test_wlsmv_near_one_polychoric_is_bounded_at_0999_with_a_warning(ref2, msq):
    """lavaan bounds a polychoric at 0.999 and warns; 0.9999 gave a baseline chi-square of
    1.6e9 and a robust CFI of NaN."""
    items = ["sleepy", "drowsy", "drowsy2", "tired", "wide.awake"]
    res = cfa(msq, "tiredness =~ sleepy + drowsy + drowsy2 + tired + wide.awake", ordered=items)
    assert "(nearly) 1.0" in res.warning and "drowsy-drowsy2 (0.999)" in res.warning
    assert any("(nearly) 1.0" in w for w in ref2["msq_near1"]["warnings"])
    assert np.array(ref2["msq_near1"]["polychoric"])[2, 1] == 0.999
    check(res, ref2["msq_near1"])
    assert res.fit["cfi_robust"] == pytest.approx(0.955142, abs=1e-6)


@pytest.mark.parametrize("step,equal", [
    ("configural", ()),
    ("metric", ("loadings",)),
    ("scalar", ("loadings", "thresholds")),
])
def test_wlsmv_groups_as_lavaan(ref2, msq, step, equal):
    """Group weights (N_g - 1)/N in the estimation (equal thresholds moved 1e-4 without them),
    SEs on N - G (off by sqrt((N - G)/N) at N = 400), and lavaan's floored likelihood for
    the polychorics (sleepy-drowsy 0.971 in the 141-row film group, not 0.927)."""
    res = cfa(msq, TWO, ordered=MI, group="grp", group_equal=equal)
    assert res.groups == ref2["msq_grp"][step]["groups"]
    check(res, ref2["msq_grp"][step])


# ----------------------------------------------------------------- labels and identification
@pytest.mark.parametrize("case,model", [
    ("bfi_label_marker", "neur =~ a*N1 + a*N2 + N3 + N4 + N5" + EXTRA),
    ("bfi_label_marker_b", "neur =~ b*N1 + a*N2 + a*N3 + N4 + N5" + EXTRA),
    ("bfi_label_marker_free", "neur =~ NA*N1 + a*N1 + a*N2 + N3 + N4 + N5" + EXTRA + "\nneur ~~ 1*neur"),
    ("bfi_equality", "neur =~ N1 + a*N2 + b*N3 + N4 + N5\nextra =~ E1 + c*E2 + d*E3 + E4 + E5\na == b\nc == d"),
])
def test_labels_follow_lavaan(ref2, bfi_mar, case, model):
    """A label on the first loading keeps it fixed at 1 (and fixes every loading with that
    label); NA* frees it; '==' sets labels equal."""
    res = cfa(bfi_mar, model)
    check(res, ref2[case], tol_est=ML_EST)


def test_model_that_is_not_identified_is_an_error_naming_the_parameters(ref2, bfi_mar):
    assert "not\n    identified" in ref2["bfi_not_identified"]["warnings"]
    with pytest.raises(CoproError, match=r"not identified: the parameters neur=~N1, .*neur~~neur"):
        cfa(bfi_mar, "neur =~ NA*N1 + N2 + N3 + N4 + N5")


def test_fit_that_did_not_converge_has_no_fit_measures(ref2, bfi_mar):
    assert ref2["bfi_not_converged"]["converged"] is False
    assert "not available if model did not converge" in ref2["bfi_not_converged"]["fit"]
    res = cfa(bfi_mar, NE, max_iter=3)
    assert not res.converged
    assert np.isnan(res.fit["chisq"]) and np.isnan(res.fit["cfi"]) and np.isnan(res.fit["rmsea"])
    assert "no fit measures" in res.warning


# ----------------------------------------------------------------- groups
@pytest.mark.parametrize("step,equal", [("metric", ("loadings",)), ("scalar", ("loadings", "intercepts"))])
def test_groups_are_ordered_by_all_rows_as_lavaan(ref2, bfi_mar, step, equal):
    """The first row is a woman with a missing answer: after listwise deletion the first row
    is a man, and the latent means and intercepts were reported against the wrong group."""
    assert ref2["bfi_gender_ml"][step]["groups"] == ["female", "male"]
    res = cfa(bfi_mar, NE, group="gender", group_equal=equal)
    assert res.groups == ["female", "male"]
    check(res, ref2["bfi_gender_ml"][step], tol_est=ML_EST)


def test_rows_without_a_group_are_dropped_with_a_note(bfi_mar):
    res = cfa(bfi_mar, NE, group="gender", group_equal=("loadings",))
    assert res.excluded["missing group"] == 3
    assert "3 row(s) without a value in group column 'gender' were left out" in res.warning


# ----------------------------------------------------------------- lavTestLRT methods
@pytest.fixture(scope="module")
def msq_steps(msq):
    return {k: cfa(msq, TWO, ordered=MI, group="grp", group_equal=v)
            for k, v in {"configural": (), "metric": ("loadings",)}.items()}


@pytest.fixture(scope="module")
def mlr_steps(bfi_mar):
    steps = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}
    return {k: cfa(bfi_mar, NE, group="gender", group_equal=v, estimator="MLR") for k, v in steps.items()}


@pytest.mark.parametrize("case,kw", [
    ("scaled_shifted", {}),
    ("mean_adjusted", {"scaled_shifted": False}),
    ("exact", {"a_method": "exact"}),
])
def test_wlsmv_difference_test_methods_as_lavaan(ref2, msq_steps, case, kw):
    """lavTestLRT(configural, metric, ...): scaled-shifted, scaled.shifted = FALSE (mean and
    variance adjusted, fractional df) and A.method = "exact"."""
    from copro_scale.psychometrics.cfa.lrt import difference_test

    t, df, p = difference_test(msq_steps["metric"], msq_steps["configural"], **kw)
    want = ref2["msq_grp"]["lrt"][case]
    assert (t, df, p) == pytest.approx((want["chisq_diff"], want["df_diff"], want["p"]), abs=1e-6)


@pytest.mark.parametrize("case,method", [
    ("scalar_sb2001", "satorra.bentler.2001"),
    ("scalar_sb2010", "satorra.bentler.2010"),
    ("scalar_satorra2000", "satorra.2000"),
    ("sb2010", "satorra.bentler.2010"),
])
def test_mlr_difference_test_methods_as_lavaan(ref2, mlr_steps, case, method):
    """lavTestLRT(..., method = ...) for MLR fits; "sb2010" is configural against metric, where
    lavaan's SB2010 statistic is negative (and warns that the M10 information is not PD)."""
    from copro_scale.psychometrics.cfa.lrt import difference_test

    small, big = ("scalar", "metric") if case.startswith("scalar") else ("metric", "configural")
    t, df, p = difference_test(mlr_steps[small], mlr_steps[big], method=method)
    want = ref2["bfi_gender_mlr"]["lrt"][case]
    tol = 1e-4 if case.startswith("scalar") else 2e-3  # configural: a Heywood case, lavaan stops 1e-4 off
    assert (t, df, p) == pytest.approx((want["chisq_diff"], want["df_diff"], want["p"]), abs=tol)


def test_unknown_difference_method_is_refused_by_name(mlr_steps):
    from copro_scale.psychometrics.cfa.lrt import difference_test

    with pytest.raises(CoproError, match="'mean.var.adjusted' is not available for MLR"):
        difference_test(mlr_steps["scalar"], mlr_steps["metric"], method="mean.var.adjusted")


# ----------------------------------------------------------------- second-order factors
SOH = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng =~ visual + textual + speed"


@pytest.mark.parametrize("case,data,kw,tol", [
    ("hs_second_order_ml", "holzinger.csv", {}, 1e-5),
    ("hs_second_order_mlr", "holzinger.csv", {"estimator": "MLR"}, 1e-4),
    ("hsm_second_order_fiml_mlr", "hs_missing.csv", {"estimator": "MLR", "missing": "fiml"}, 1e-4),
    ("hs_second_order_school", "holzinger.csv", {"group": "school", "group_equal": ("loadings",)}, 1e-5),
    ("hs4_second_order_wlsmv", "hs_quartiles.csv", {"ordered": [f"x{i}" for i in range(1, 10)]}, 1e-5),
])
def test_second_order_factor_as_lavaan(ref2, case, data, kw, tol):
    """g =~ visual + textual + speed: loadings of factors on a factor, disturbance variances."""
    res = cfa(pd.read_csv(REF / data), SOH, **kw)
    check(res, ref2[case], tol_fit=tol, tol_est=ML_EST)
