"""The Examples sections of the docstrings run and give the R values they quote."""

import doctest
import importlib
from pathlib import Path

import pytest

MODULES = ["reliability", "omega", "polychoric", "factor", "cfa", "agreement"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[2])  # examples read tests/reference/*.csv
    module = importlib.import_module(f"copro_scale.psychometrics.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
