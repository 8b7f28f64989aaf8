"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest
import yaml

from copro_scale.instrument import default_instrument_path


@pytest.fixture
def instrument_file(tmp_path):
    """``instrument_file(mutate)``: the packaged instrument, changed by ``mutate(data)``, as a file."""

    def make(mutate, name: str = "instrument.yaml"):
        data = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
        mutate(data)
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return make


@pytest.fixture(autouse=True)
def _publication_ledger(tmp_path_factory, monkeypatch):
    """Every test gets its own publication ledger: no test writes to the home directory, and runs
    of one test never meet another's records (src/copro_scale/ledger.py)."""
    monkeypatch.setenv("COPRO_STATE_DIR", str(tmp_path_factory.mktemp("copro-state")))
