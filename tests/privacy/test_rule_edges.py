"""The rules' edges the mutation run over privacy.py found unguarded (docs/testing.md).

Every expected value is written by hand from the rule in the module's docstring, with the
arithmetic in a comment; none is computed by the code under test.
"""

from __future__ import annotations

import pandas as pd

from copro_scale.instrument import load_instrument
from copro_scale.privacy import disclosure_plan, parent_plan

INST = load_instrument()
K = INST.min_responses
BIG = 3 * K


def plan(rows, k=K):
    return disclosure_plan(pd.DataFrame(rows, columns=["team", "n_psw", "n_colleague"]), k)


def test_parent_shown_once_the_failing_service_inside_it_is_withheld():
    # P > C: A (visible) and H1 (3 below k): C's remainder is 3, so C is withheld.
    # P: C's teams, B (visible) and H2 (2). With C shown P's remainder would be 5 - 3 = 2, but
    # C is withheld, so P minus its visible teams A and B is H1 + H2 = 5 >= k: P is shown.
    p = plan([("A", BIG, BIG), ("B", BIG, BIG), ("H1", 0, 3), ("H2", 0, 2)])
    par = parent_plan(p, {"A": "P > C", "H1": "P > C", "B": "P", "H2": "P"}).set_index("parent")
    assert par["visible"].to_dict() == {"P": True, "P > C": False}
    assert par.loc["P", "count"] == 4 * BIG + 5        # 5 = 3 + 2 pins neither small team
    assert par.loc["P > C", "count"] == f"at least {2 * BIG}"


def test_parent_count_exact_once_the_pinning_count_inside_it_is_not():
    # X > Y > Z. Z holds small teams of 2 and 3 (total 5 pins neither): exact.
    # Y adds two of K - 1: with Z exact, Y minus Z gives 2(K - 1) = two K - 1s (pinned), so Y's
    # count reads "at least". X adds five of 1: with Y exact, X minus Y would give 5 = five 1s
    # (pinned); with Y not exact, X minus Z gives 2(K - 1) + 5, which neither 1 nor K - 1 per
    # team accounts for: X's count is exact.
    ones = {f"O{i}": "X" for i in range(5)}
    small = [("Z1", 0, 2), ("Z2", 0, 3), ("Y1", 0, K - 1), ("Y2", 0, K - 1)]
    p = plan([("A", BIG, BIG), ("B", BIG, BIG), ("C", BIG, BIG), *small,
              *[(t, 0, 1) for t in ones]])
    parents = {"A": "X > Y > Z", "Z1": "X > Y > Z", "Z2": "X > Y > Z", "B": "X > Y",
               "Y1": "X > Y", "Y2": "X > Y", "C": "X"} | ones
    par = parent_plan(p, parents).set_index("parent")
    assert par["visible"].all()
    assert par["count"].to_dict() == {"X": 6 * BIG + 5 + 2 * (K - 1) + 5,
                                      "X > Y": f"at least {4 * BIG}",
                                      "X > Y > Z": 2 * BIG + 5}
