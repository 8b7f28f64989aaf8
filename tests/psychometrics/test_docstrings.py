"""Every public statistic's docstring example prints R's value.

pytest's ``--doctest-modules`` (pyproject.toml) checks that the code prints what the example
says; this test checks that what the example says is the value R wrote to
``tests/reference/*.json`` (tests/reference/make_reference*.R), rounded as the example prints
it. Together: the code gives R's answer, in the place a reader looks first.
"""

from __future__ import annotations

import doctest
import inspect
import json
import re
from pathlib import Path

import pytest

import copro_scale.psychometrics as ps

REF = json.loads((Path(__file__).parents[1] / "reference" / "reference.json").read_text())
N1 = 15  # row of N1 in bfi[, 1:25] (A1-A5, C1-C5, E1-E5, N1-N5, O1-O5)

#: statistic -> the R values its example prints, in print order.
R_VALUES = {
    "reliability": [REF["alpha_N_pairwise"]["alpha"]],
    "omega": [REF["omega_mtcars"][k] for k in ("alpha", "omega_h", "omega_t")],
    "polychoric": [REF["polychoric_N"]["rho"][0][1]],
    "kmo": [REF["kmo_bfi_pairwise"]["overall"]],
    "bartlett": [REF["bartlett_bfi_complete"][k] for k in ("chi2", "df")],
    "parallel_analysis": [REF["parallel_bfi"]["nfact"]],
    "velicer_map": [REF["map_bfi"]["suggested"]],
    "efa": [REF["efa"]["minres_oblimin"]["loadings"][N1][0]],
    "cfa": [REF["cfa_hs"]["fit"][k] for k in ("chisq", "df", "cfi")],
    "invariance": [REF["cfa_hs_school"][m]["chisq"] for m in ("configural", "metric", "scalar")],
    "team_agreement": [REF["agreement_lq"]["icc1_scale"]],
}
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def printed_numbers(obj) -> list[str]:
    """The numbers the docstring's examples print (the expected outputs, not the code)."""
    examples = doctest.DocTestParser().get_examples(inspect.getdoc(obj) or "")
    return [n for ex in examples for n in NUMBER.findall(ex.want)]


def test_every_statistic_is_covered():
    public = {name for name in ps.__all__ if callable(getattr(ps, name))
              and name not in ("correlation", "jsonable")}
    assert public == set(R_VALUES)


@pytest.mark.parametrize("name", sorted(R_VALUES))
def test_example_prints_rs_value(name):
    printed = printed_numbers(getattr(ps, name))
    assert len(printed) == len(R_VALUES[name]), (name, printed)
    for text, r_value in zip(printed, R_VALUES[name]):
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert float(text) == round(float(r_value), decimals), (name, text, r_value)
