"""Fixtures for the administration (export) tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from copro_scale.instrument import load_instrument


@pytest.fixture(scope="session")
def inst():
    return load_instrument()


@pytest.fixture(params=["psw", "colleague"])
def form(request):
    return request.param


@pytest.fixture(scope="session")
def make_fixtures():
    """tests/fixtures/roundtrip/make_fixtures.py as a module (the platform simulators)."""
    path = Path(__file__).parents[1] / "fixtures" / "roundtrip" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("make_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
