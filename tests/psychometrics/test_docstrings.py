"""Every public statistic documents an example whose value was checked against R.

The examples themselves run once, through pytest's ``--doctest-modules`` (pyproject.toml);
this test only makes sure none goes missing.
"""

import inspect

import pytest

import copro_scale.psychometrics as ps

STATISTICS = [name for name in ps.__all__ if callable(getattr(ps, name))
              and name not in ("correlation", "jsonable")]


@pytest.mark.parametrize("name", STATISTICS)
def test_statistic_has_an_r_checked_example(name):
    doc = inspect.getdoc(getattr(ps, name)) or ""
    assert "Examples" in doc and ">>> " in doc, name
    assert "References" in doc, name
