import json
from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(scope="session")
def ref():
    return json.loads((REF / "reference.json").read_text())


@pytest.fixture(scope="session")
def bfi():
    return pd.read_csv(REF / "bfi.csv")


@pytest.fixture(scope="session")
def bfi_complete(bfi):
    return bfi.dropna().reset_index(drop=True)


@pytest.fixture(scope="session")
def hs():
    return pd.read_csv(REF / "holzinger.csv")


@pytest.fixture(scope="session")
def mtcars():
    return pd.read_csv(REF / "mtcars.csv")


@pytest.fixture(scope="session")
def lq():
    return pd.read_csv(REF / "lq2002.csv")


@pytest.fixture(scope="session")
def ref_cfa():
    """lavaan's values, written by tests/reference/make_reference_cfa.R."""
    return json.loads((REF / "reference_cfa.json").read_text())


@pytest.fixture(scope="session")
def ref_efa():
    """psych's values, written by tests/reference/make_reference_efa.R."""
    return json.loads((REF / "reference_efa.json").read_text())


@pytest.fixture(scope="session")
def hsm():
    return pd.read_csv(REF / "hs_missing.csv")


@pytest.fixture(scope="session")
def poldem():
    return pd.read_csv(REF / "poldem.csv")


@pytest.fixture(scope="session")
def bfi_ord():
    return pd.read_csv(REF / "bfi_ordered.csv")
