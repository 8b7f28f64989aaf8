"""Behaviour that wrong code would get wrong: errors, warnings, non-convergence, JSON output."""

import json

import numpy as np
import pandas as pd
import pytest

from copro_scale.errors import CoproError
import copro_scale.psychometrics as ps
from copro_scale.psychometrics.cfa import parse_model

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
N = ["N1", "N2", "N3", "N4", "N5"]


def test_bad_input_raises_copro_error(bfi):
    with pytest.raises(CoproError, match="at least 2"):
        ps.reliability(bfi[["N1"]])
    with pytest.raises(CoproError, match="non-numeric"):
        ps.reliability(bfi[N].assign(N1="x"))
    with pytest.raises(CoproError, match="rows"):
        ps.reliability(bfi[N].head(2))
    with pytest.raises(CoproError, match="DataFrame"):
        ps.kmo(bfi[N].to_numpy())
    with pytest.raises(CoproError, match="nan_policy"):
        ps.reliability(bfi[N], nan_policy="mean")
    with pytest.raises(CoproError, match="rotation"):
        ps.efa(bfi.dropna(), 2, rotation="quartimax")
    with pytest.raises(CoproError, match="method"):
        ps.efa(bfi.dropna(), 2, method="pc")
    with pytest.raises(CoproError, match="n_factors"):
        ps.efa(bfi.dropna()[N], 5)
    with pytest.raises(CoproError, match="categories"):
        ps.polychoric(pd.DataFrame({"a": range(20), "b": range(20)}))


def test_singular_matrix_is_reported_not_smoothed(bfi_complete):
    data = bfi_complete[N].assign(N6=bfi_complete["N1"])  # exact duplicate: R is singular
    with pytest.raises(CoproError, match="not positive definite"):
        ps.kmo(data)
    with pytest.raises(CoproError, match="not positive definite"):
        ps.bartlett(data)
    res = ps.efa(data, 1, method="pa")
    assert "not positive definite" in res.warning


def test_cfa_not_converged_reports_it(hs):
    res = ps.cfa(hs, HS_MODEL, max_iter=2)
    assert res.converged is False
    assert "no convergence" in res.warning


def test_cfa_singular_sample_covariance(hs):
    data = hs.assign(x3=hs["x1"] + hs["x2"])  # linear dependency
    res = ps.cfa(data, HS_MODEL)
    assert res.converged is False
    assert "sample covariance matrix is not positive definite" in res.warning
    assert np.isnan(res.fit["chisq"])


def test_cfa_heywood_case_is_reported():
    # just-identified one-factor model whose exact solution has a negative residual variance:
    # lambda_a^2 phi = r_ab r_ac / r_bc = 1.28 > var(a) = 1
    target = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    z = np.random.default_rng(3).standard_normal((300, 3))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z.T, bias=True))).T
    x = pd.DataFrame(z @ np.linalg.cholesky(target).T, columns=["a", "b", "c"])
    res = ps.cfa(x, "F =~ b + a + c")
    est = res.estimates.query("lhs == 'a' and op == '~~'")["est"].iloc[0]
    assert est == pytest.approx(-0.28, abs=1e-3)
    assert "Heywood" in res.warning and "negative residual variance of a" in res.warning


def test_cfa_syntax():
    rows = parse_model("F =~ 1*a + NA*b + lab*c  # comment\n G =~ d + e + f; a ~~ d")
    assert [(r["lhs"], r["op"], r["rhs"]) for r in rows][:3] == [("F", "=~", "a"), ("F", "=~", "b"), ("F", "=~", "c")]
    assert rows[0]["fixed"] == 1.0 and rows[1]["free"] and rows[2]["label"] == "lab"
    with pytest.raises(CoproError, match="not supported"):
        parse_model("F =~ a + b + c\n F ~ d")
    with pytest.raises(CoproError, match="no latent"):
        parse_model("a ~~ b")
    with pytest.raises(CoproError, match="not columns"):
        ps.cfa(pd.DataFrame({"a": [1.0, 2, 3]}), "F =~ a + b + c")
    with pytest.raises(CoproError, match="group_equal"):
        ps.cfa(pd.DataFrame({"a": [1.0, 2, 3]}), "F =~ a + b + c", group="g", group_equal=("slopes",))


def test_cfa_labels_impose_equality(hs):
    res = ps.cfa(hs, "visual =~ x1 + l*x2 + l*x3\ntextual =~ x4 + x5 + x6")
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert est[("visual", "=~", "x2")] == pytest.approx(est[("visual", "=~", "x3")], abs=1e-10)


def test_every_result_is_json_serialisable(bfi, bfi_complete, hs, mtcars, lq):
    results = [
        ps.reliability(bfi[N], n_boot=20, seed=1), ps.omega(mtcars), ps.polychoric(bfi_complete[N]),
        ps.kmo(bfi), ps.bartlett(bfi_complete), ps.parallel_analysis(bfi_complete[N], n_iter=3, seed=1),
        ps.velicer_map(bfi_complete), ps.efa(bfi_complete, 5, method="ml"), ps.cfa(hs, HS_MODEL),
        ps.team_agreement(lq, "COMPID"),
    ]
    for res in results:
        text = json.dumps(res.to_dict(), allow_nan=False)
        assert text.startswith("{")


def test_team_agreement_single_member_and_truncation():
    df = pd.DataFrame({"team": ["a", "a", "a", "b", "c", "c"],
                       "q1": [1, 5, 1, 3, 4, 4], "q2": [5, 1, 5, 3, 4, 4]})
    res = ps.team_agreement(df, "team")
    t = res.teams
    assert np.isnan(t.loc["b", "rwg_j"]) and np.isnan(t.loc["b", "ad_j"])
    assert t.loc["a", "rwg_j"] == 0.0  # variance above the uniform null: truncated to 0
    assert t.loc["c", "rwg_j"] == 1.0 and t.loc["c", "ad_j"] == 0.0
    with pytest.raises(CoproError):
        ps.team_agreement(df, "nope")


# ----------------------------------------------------------------- messages that name the culprit
@pytest.mark.parametrize("stat", [ps.reliability, ps.omega, ps.kmo, ps.bartlett, ps.velicer_map,
                                  lambda d: ps.efa(d, 2), lambda d: ps.parallel_analysis(d, n_iter=2)])
def test_zero_variance_item_is_named(bfi_complete, stat):
    data = bfi_complete.iloc[:, :10].assign(A3=3.0)
    with pytest.raises(CoproError, match=r"without variance.*\bA3\b"):
        stat(data)


@pytest.mark.parametrize("stat", [ps.reliability, ps.kmo, lambda d: ps.efa(d, 2), ps.polychoric])
def test_all_missing_column_is_named(bfi_complete, stat):
    data = bfi_complete.iloc[:, :10].assign(C2=np.nan)
    with pytest.raises(CoproError, match=r"\bC2\b.*no answers"):
        stat(data)


def test_pair_without_common_answers_is_named(bfi_complete):
    data = bfi_complete[N].copy()
    data.loc[data.index[:1000], "N1"] = np.nan
    data.loc[data.index[1000:], "N2"] = np.nan
    with pytest.raises(CoproError, match="N1 and N2"):
        ps.kmo(data)


@pytest.mark.parametrize("stat", [ps.reliability, ps.omega, ps.kmo, lambda d: ps.efa(d, 2)])
def test_correlation_matrix_passed_as_data_is_refused(bfi_complete, stat):
    r = bfi_complete.iloc[:, :10].corr()
    with pytest.raises(CoproError, match="looks like a correlation or covariance matrix"):
        stat(r)
    with pytest.raises(CoproError, match="looks like a correlation or covariance matrix"):
        stat(bfi_complete.iloc[:, :10].cov())


def test_rotation_that_stops_early_says_so(bfi_complete):
    from copro_scale.psychometrics.extraction import fit_factors
    from copro_scale.psychometrics.rotation import rotate

    load, _, _ = fit_factors(bfi_complete.corr().to_numpy(), 5)
    assert rotate(load, "oblimin")[2] is True
    assert rotate(load, "oblimin", max_iter=2)[2] is False
    assert rotate(load, "geomin", max_iter=2)[2] is False


def test_to_frame_gives_the_main_table(bfi, bfi_complete):
    assert ps.reliability(bfi[N]).to_frame().index.tolist() == N
    assert ps.efa(bfi_complete, 5).to_frame().shape == (25, 5)
    assert ps.kmo(bfi[N]).to_frame().shape == (5, 1)
    row = ps.bartlett(bfi_complete).to_frame()
    assert row.shape == (1, 4) and set(row.columns) == {"chi2", "df", "pvalue", "n_obs"}
