"""EFA on polychoric correlations, and the library calls (factor_analyzer, pingouin), against R.

Values from tests/reference/make_reference_efa.R (psych::fa(cor = "poly"), psych::alpha,
psych::KMO, psych::cortest.bartlett, GPArotation) on psych's bfi and semTools' datCat.
"""


import numpy as np
import pandas as pd
import pytest

from copro_scale.psychometrics import bartlett, efa, kmo, reliability, team_agreement
from copro_scale.psychometrics._common import correlation
from copro_scale.psychometrics.extraction import fit_factors
from copro_scale.psychometrics.rotation import rotate, sort_reflect

TOL = 1e-3


@pytest.fixture(scope="module")
def datcat(ref_efa):
    d = ref_efa["datcat"]
    return pd.DataFrame(d["data"], columns=d["columns"]).astype(float)


POLY_CASES = {
    "bfi_complete_minres_oblimin": ("bfi_complete", 5, "minres", "oblimin"),
    "bfi_pairwise_minres_oblimin": ("bfi", 5, "minres", "oblimin"),
    "datcat_ml_oblimin": ("datcat", 2, "ml", "oblimin"),
    "datcat_pa_varimax": ("datcat", 2, "pa", "varimax"),
}


@pytest.mark.parametrize("key", list(POLY_CASES))
def test_efa_on_polychoric_correlations_matches_psych(request, ref_efa, key):
    data_name, nf, method, rotation = POLY_CASES[key]
    data = request.getfixturevalue(data_name)
    r = ref_efa["efa_poly"][key]
    res = efa(data, nf, method=method, rotation=rotation, cor="poly")
    assert res.converged and res.cor == "poly"
    assert res.n_obs == r["n_obs"]
    np.testing.assert_allclose(res.loadings.to_numpy(), r["loadings"], atol=TOL)
    np.testing.assert_allclose(res.communalities.to_numpy(), r["communalities"], atol=TOL)
    if "phi" in r:
        np.testing.assert_allclose(res.phi.to_numpy(), r["phi"], atol=TOL)
    if "rmsea" in r:
        assert (res.chisq, res.df) == pytest.approx((r["chisq"], r["df"]), abs=TOL)
        assert (res.rmsea, res.tli) == pytest.approx((r["rmsea"], r["tli"]), abs=TOL)


def test_efa_poly_differs_from_pearson(datcat):
    poly = efa(datcat, 2, cor="poly").loadings.to_numpy()
    pearson = efa(datcat, 2).loadings.to_numpy()
    assert np.abs(poly - pearson).max() > 0.01


def test_pingouin_alpha_on_a_second_data_set(ref_efa, datcat):
    r = ref_efa["alpha_datcat"]
    res = reliability(datcat)
    assert res.alpha == pytest.approx(r["alpha"], abs=TOL)
    assert res.alpha_ci == pytest.approx([r["feldt_lower"], r["feldt_upper"]], abs=TOL)


def test_kmo_and_bartlett_on_a_second_data_set(ref_efa, datcat):
    k = kmo(datcat)
    assert k.overall == pytest.approx(ref_efa["kmo_datcat"]["overall"], abs=TOL)
    np.testing.assert_allclose(k.per_item.to_numpy(), ref_efa["kmo_datcat"]["per_item"], atol=TOL)
    b = bartlett(datcat)
    r = ref_efa["bartlett_datcat"]
    assert (b.chi2, b.df, b.pvalue) == pytest.approx((r["chi2"], r["df"], r["pvalue"]), abs=TOL)


@pytest.mark.parametrize("rotation", ["oblimin", "promax", "varimax", "geomin"])
def test_rotator_matches_gparotation_on_a_second_data_set(ref_efa, datcat, rotation):
    r = ref_efa["rotation_datcat"][rotation]
    load, _, _ = fit_factors(correlation(datcat)[0], 2, "minres")
    lam, phi, converged = rotate(load, rotation)
    lam, phi = sort_reflect(lam, phi)
    assert converged
    np.testing.assert_allclose(lam, r["loadings"], atol=TOL)
    if "phi" in r:
        np.testing.assert_allclose(phi, r["phi"], atol=TOL)


def test_team_icc_equals_pingouin_on_balanced_teams(lq):
    # multilevel's ICC(1)/ICC(2) (R-checked on unbalanced lq2002) are Shrout & Fleiss' ICC1
    # and ICC(1,k) when every team has the same size: pingouin then gives the same numbers
    pingouin = pytest.importorskip("pingouin")
    big = lq.groupby("COMPID").filter(lambda g: len(g) >= 6)
    balanced = big.groupby("COMPID").head(6).copy()
    balanced["member"] = balanced.groupby("COMPID").cumcount()
    ours = team_agreement(balanced[["COMPID", "LEAD01"]], "COMPID")
    icc = pingouin.intraclass_corr(balanced, targets="COMPID", raters="member",
                                   ratings="LEAD01").set_index("Type")
    assert ours.icc1 == pytest.approx(icc.loc["ICC(1,1)", "ICC"], abs=1e-10)
    assert ours.icc2 == pytest.approx(icc.loc["ICC(1,k)", "ICC"], abs=1e-10)
