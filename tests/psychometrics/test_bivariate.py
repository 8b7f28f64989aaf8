"""bivariate.fit_rho against a naive second implementation (scipy's bivariate normal CDF and
a bounded scalar optimiser), on tables not tuned to the code."""

import numpy as np
import pytest
from scipy import optimize, special, stats

from copro_scale.psychometrics.bivariate import cell_probs, fit_rho


def _naive_loglik(rho, tab, rc, cc, floor, sign=1.0):
    mvn = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
    r = np.concatenate([[-np.inf], rc, [np.inf]])
    c = np.concatenate([[-np.inf], cc, [np.inf]])

    def F(h, k):
        if h == -np.inf or k == -np.inf:
            return 0.0
        if h == np.inf and k == np.inf:
            return 1.0
        if h == np.inf:
            return special.ndtr(k)
        if k == np.inf:
            return special.ndtr(h)
        return mvn.cdf([h, k])

    ll = 0.0
    for a in range(len(r) - 1):
        for b in range(len(c) - 1):
            p = F(r[a + 1], c[b + 1]) - F(r[a], c[b + 1]) - F(r[a + 1], c[b]) + F(r[a], c[b])
            ll += tab[a, b] * np.log(max(p, floor, 1e-300))
    return sign * ll


def _tables(seed, n_tab=3):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_tab):
        rho = rng.uniform(-0.9, 0.95)
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=300)
        cuts = np.sort(rng.normal(0, 0.8, size=3))
        codes = np.digitize(z, cuts)
        tab = np.zeros((4, 4))
        np.add.at(tab, (codes[:, 0], codes[:, 1]), 1.0)
        tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
        rc = special.ndtri(np.cumsum(tab.sum(axis=1))[:-1] / tab.sum())
        cc = special.ndtri(np.cumsum(tab.sum(axis=0))[:-1] / tab.sum())
        out.append((tab, rc, cc))
    return out


@pytest.mark.parametrize("floor", [0.0, np.sqrt(np.finfo(float).eps)])
@pytest.mark.parametrize("seed", [11, 12])
def test_fit_rho_matches_a_naive_maximiser(seed, floor):
    for tab, rc, cc in _tables(seed):
        rho, ok, _ = fit_rho(tab[None] / tab.sum(), rc[None], cc[None], floor=floor)
        best = optimize.minimize_scalar(_naive_loglik, bounds=(-0.999, 0.999), method="bounded",
                                        args=(tab, rc, cc, floor, -1.0), options={"xatol": 1e-9})
        assert ok[0]
        assert rho[0] == pytest.approx(best.x, abs=2e-6)


def test_cell_probabilities_sum_to_one_and_match_scipy():
    rc, cc = np.array([[-0.5, 0.3]]), np.array([[0.1, 0.9, 1.6]])
    p = cell_probs(np.array([0.6]), rc, cc)[0]
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    mvn = stats.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]])
    assert p[0, 0] == pytest.approx(mvn.cdf([-0.5, 0.1]), abs=1e-7)


def test_a_diagonal_table_ends_at_the_bound_and_failure_is_reported():
    tab = np.diag([30.0, 40.0, 30.0])[None]
    rc = cc = special.ndtri(np.array([[0.3, 0.7]]))
    rho, ok, at_bound = fit_rho(tab / tab.sum(), rc, cc, bound=0.999)
    assert ok[0] and at_bound[0] and rho[0] == 0.999
    _, ok, _ = fit_rho(tab / tab.sum(), rc, cc, bound=0.999, max_iter=2)
    assert not ok[0]


def test_floored_likelihood_takes_the_higher_of_two_maxima():
    """sleepy x drowsy in msq400's film group: one answer in cell (3, 0). With lavaan's floor
    the likelihood has maxima near .927 and .971; the higher one (lavCor: .971) is returned."""
    from pathlib import Path

    import pandas as pd

    m = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "msq400.csv")
    film = m[m["grp"] == "film"]
    tab = pd.crosstab(film["sleepy"], film["drowsy"]).to_numpy(float)
    rc = special.ndtri(np.cumsum(tab.sum(axis=1))[:-1] / tab.sum())
    cc = special.ndtri(np.cumsum(tab.sum(axis=0))[:-1] / tab.sum())
    floor = np.sqrt(np.finfo(float).eps)
    grid = np.arange(0.85, 0.999, 0.004)
    ll = [_naive_loglik(r, tab, rc, cc, floor) for r in grid]
    start = grid[int(np.argmax(ll))]
    best = optimize.minimize_scalar(lambda r: -_naive_loglik(r, tab, rc, cc, floor),
                                    bounds=(start - 0.004, start + 0.004), method="bounded",
                                    options={"xatol": 1e-9})
    rho, ok, _ = fit_rho(tab[None] / tab.sum(), rc[None], cc[None], floor=floor)
    assert ok[0] and rho[0] == pytest.approx(best.x, abs=2e-6)
    assert rho[0] == pytest.approx(0.971, abs=1e-3)
    plain, _, _ = fit_rho(tab[None] / tab.sum(), rc[None], cc[None])
    assert plain[0] == pytest.approx(0.9268, abs=1e-3)
