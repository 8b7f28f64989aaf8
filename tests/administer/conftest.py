"""Fixtures for the administration (export) tests."""

from __future__ import annotations

import pytest

from copro_scale.instrument import load_instrument


@pytest.fixture(scope="session")
def inst():
    return load_instrument()


@pytest.fixture(params=["psw", "colleague"])
def form(request):
    return request.param
