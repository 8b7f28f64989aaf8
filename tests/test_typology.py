"""The typology's regions against hand-computed distances and a second, naive implementation.

The naive implementation states the definition in ``copro_scale.typology`` and hands it to a
general optimiser: the distance from ``x`` to ``C_T = {p_T + d : d in the plane,
d . (p_T - p_j) >= 0 for both other types j}`` is the minimum of ``|x - p_T - d|`` under those
linear constraints (SciPy's SLSQP). It shares no geometry with the code under test (no plane
basis, no wedge rays).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from copro_scale.instrument import TYPES
from copro_scale.typology import MIXED, OUTCOMES, Typology

#: A right triangle in the plane z = 0, rows in TYPES order (neutralized, enhanced, tokenistic).
RIGHT = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 2.0, 0.0]])


def naive_distance(x, prototypes, t):
    """Distance from ``x`` to type ``t``'s extended region, by constrained least squares."""
    p = np.asarray(prototypes, dtype=float)
    normal = np.cross(p[1] - p[0], p[2] - p[0])
    others = [j for j in range(3) if j != t]
    cons = [{"type": "eq", "fun": lambda d: d @ normal}]
    cons += [{"type": "ineq", "fun": lambda d, j=j: d @ (p[t] - p[j])} for j in others]
    best = math.inf
    for start in (np.zeros(3), x - p[t]):  # two starts: the apex and the unconstrained optimum
        res = minimize(lambda d: np.sum((x - p[t] - d) ** 2), start, constraints=cons,
                       method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
        ok = abs(res.x @ normal) < 1e-7 and all(res.x @ (p[t] - p[j]) > -1e-7 for j in others)
        if ok:
            best = min(best, float(np.sqrt(np.sum((x - p[t] - res.x) ** 2))))
    return best


def test_hand_computed_distances_on_a_right_triangle():
    """Neutralized at the origin, enhanced at (2, 0), tokenistic at (0, 2), all at z = 0.

    Enhanced's region is {(2, 0) + (a, b) : a >= 0, a >= b}, tokenistic's
    {(0, 2) + (a, b) : b >= 0, b >= a} and neutralized's the quadrant a <= 0, b <= 0.
    """
    t = Typology.from_prototypes(RIGHT, max_distance=1.5)
    n, e, k = (TYPES.index(x) for x in ("neutralized", "enhanced", "tokenistic"))
    # beyond the enhanced prototype, along its own direction: distance 0
    assert t.distances([3.0, 0.0, 0.0])[e] == pytest.approx(0.0, abs=1e-12)
    # the same point lifted 1 off the plane: the distance is the height
    assert t.distances([3.0, 0.0, 1.0])[e] == pytest.approx(1.0)
    # below and left of the origin: inside neutralized's quadrant
    assert t.distances([-1.0, -1.0, 0.0])[n] == pytest.approx(0.0, abs=1e-12)
    # (1.2, 1): to enhanced, (-0.8, 1) from its apex, nearest on the ray (1, 1)/sqrt 2 at
    # (0.1, 0.1): sqrt(0.9^2 + 0.9^2); to tokenistic, (1.2, -1) from its apex, nearest on the
    # same diagonal at (0.1, 0.1): sqrt(1.1^2 + 1.1^2); to neutralized the apex: sqrt(1.2^2 + 1)
    d = t.distances([1.2, 1.0, 0.0])
    assert d[e] == pytest.approx(math.sqrt(2 * 0.9**2))
    assert d[k] == pytest.approx(math.sqrt(2 * 1.1**2))
    assert d[n] == pytest.approx(math.sqrt(1.2**2 + 1.0))
    # outcomes: nearest region within max_distance 1.5, else mixed
    got = t.outcome([[3.0, 0.0, 1.0], [-1.0, -1.0, 0.0], [1.2, 1.0, 0.0], [0.0, 5.0, 0.2],
                     [3.0, 0.0, 1.6], [1.3, 0.4, 0.0], [np.nan, 0.0, 0.0]])
    assert [OUTCOMES[c] if c >= 0 else None for c in got] == [
        "enhanced", "neutralized", "enhanced", "tokenistic", "mixed", "enhanced", None]


def test_mixed_is_beyond_max_distance_not_at_it():
    t = Typology.from_prototypes(RIGHT, max_distance=1.0)
    assert OUTCOMES[t.outcome([3.0, 0.0, 1.0])] == "enhanced"  # exactly at max_distance
    assert t.outcome([3.0, 0.0, 1.0 + 1e-9]) == MIXED


@pytest.mark.parametrize("which", ["right", "packaged", "random"])
def test_distances_match_a_naive_constrained_minimisation(which):
    rng = np.random.default_rng({"right": 1, "packaged": 2, "random": 3}[which])
    if which == "right":
        t = Typology.from_prototypes(RIGHT, 1.0)
    elif which == "packaged":
        t = Typology.from_instrument()
    else:
        t = Typology.from_prototypes(rng.uniform(1, 5, size=(3, 3)), 1.0)
    points = rng.uniform(0, 6, size=(40, 3))
    got = t.distances(points)
    want = np.array([[naive_distance(x, t.prototypes, k) for k in range(3)] for x in points])
    np.testing.assert_allclose(got, want, atol=1e-5)
    # the outcome is the nearest region's type, or mixed beyond max_distance
    near = want.argmin(axis=1)
    clear = np.sort(want, axis=1)[:, 1] - want.min(axis=1) > 1e-4  # no near-ties
    expect = np.where(want.min(axis=1) > t.max_distance, MIXED, near)
    assert (t.outcome(points)[clear] == expect[clear]).all()


def test_a_prototype_is_its_own_type_at_distance_zero():
    t = Typology.from_instrument()
    d = t.distances(t.prototypes)
    assert np.allclose(np.diag(d), 0.0)
    assert [OUTCOMES[c] for c in t.outcome(t.prototypes)] == list(TYPES)


def test_max_distance_can_be_set_apart_from_the_instrument():
    """A profile 1.0 off the plane beyond the enhanced prototype: enhanced at the instrument's
    1.25, mixed when the caller asks for 0.5."""
    t = Typology.from_instrument()
    away = t.prototypes[TYPES.index("enhanced")] + t.normal  # unit normal: distance 1.0
    assert t.max_distance == 1.25 and OUTCOMES[t.outcome(away)] == "enhanced"
    strict = Typology.from_instrument(max_distance=0.5)
    assert strict.max_distance == 0.5 and strict.outcome(away) == MIXED


def test_a_profile_with_a_missing_face_has_outcome_minus_1():
    # the documented code for "no outcome"; the other rows keep theirs (hand: a prototype lies
    # in its own region)
    t = Typology.from_instrument()
    p = t.prototypes
    got = t.outcome([p[0], [np.nan, 3.0, 3.0], p[2], [np.nan] * 3])
    assert got.tolist() == [0, -1, 2, -1]
    assert t.outcome([[None, 3, 3], list(p[1])]).tolist() == [-1, 1]  # None is missing too


def test_max_distance_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        Typology.from_prototypes(Typology.from_instrument().prototypes, 0.0)


@pytest.mark.parametrize("short, long_", [(6.0, 0.8), (6.0, 35.0)])
def test_prototypes_on_one_line_are_refused_up_to_a_sine_of_1e_6(short, long_):
    # by construction: edges of lengths short and long_ from p0 at an angle whose sine is s;
    # the plane needs s >= 1e-6 whatever the lengths
    u, v = np.array([1.0, 1.0, 1.0]) / np.sqrt(3), np.array([1.0, -1.0, 0.0]) / np.sqrt(2)
    p0 = np.array([2.0, 2.0, 2.0])

    def prototypes(s):
        return [p0, p0 + short * u, p0 + long_ * (np.sqrt(1 - s**2) * u + s * v)]
    with pytest.raises(ValueError, match="one line"):
        Typology.from_prototypes(prototypes(0.5e-6), 1.0)
    Typology.from_prototypes(prototypes(2e-6), 1.0)
