"""Every platform fixture holds the answers of canonical.csv and must score to the same numbers.

The fixtures are written by tests/fixtures/platforms/make_platforms.py from each platform's
documented export layout; the extra rows they carry (previews, unfinished) must land in the
exclusion log with that reason, and nothing else may be lost.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from copro_scale import read_responses, score

FIX = Path(__file__).parents[1] / "fixtures" / "platforms"
_spec = importlib.util.spec_from_file_location("make_platforms", FIX / "make_platforms.py")
make_platforms = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_platforms)

FORMAT = {"qualtrics.csv": "qualtrics", "qualtrics_legacy.csv": "qualtrics",
          "redcap_raw.csv": "redcap", "redcap_labels.csv": "redcap", "ms_forms.xlsx": "forms",
          "google_forms.csv": "forms", "spss.sav": "spss", "mapped.csv": "mapped"}


@pytest.fixture(scope="module")
def expected():
    return score(read_responses(FIX / "canonical.csv"))


def _read(name, **kw):
    mapping = FIX / "mapped.yaml" if name == "mapped.csv" else None
    return read_responses(FIX / name, mapping=mapping, **kw)


def test_canonical_fixture_is_the_simulation_it_claims():
    want = make_platforms.canonical()
    got = pd.read_csv(FIX / "canonical.csv")
    assert got["response_id"].tolist() == want["response_id"].tolist()
    assert (got[want.columns[5:]].fillna(0).to_numpy() == want[want.columns[5:]].astype(float).fillna(0).to_numpy()).all()


@pytest.mark.parametrize("name", sorted(FORMAT))
def test_fixture_is_detected_as_its_format(name):
    assert _read(name).format == FORMAT[name]


@pytest.mark.parametrize("name", sorted(FORMAT))
def test_fixture_scores_like_the_canonical_csv(name, expected):
    r = _read(name)
    forms = make_platforms.FORMS.get(name, ("psw", "colleague"))
    want = expected[expected["form"].isin(forms)].reset_index(drop=True)
    got = score(r)
    assert len(got) == len(want) > 0
    cols = [c for c in want.columns if c not in ("response_id", "speeder")]
    pd.testing.assert_frame_equal(got[cols], want[cols], check_dtype=False)


@pytest.mark.parametrize("name", sorted(FORMAT))
def test_fixture_accounts_for_every_row(name):
    r = _read(name)
    assert r.n_read == len(r.data) + len(r.exclusions)
    assert r.reason_counts() == make_platforms.EXTRA[name]


@pytest.mark.parametrize("name", ["qualtrics.csv", "ms_forms.xlsx", "google_forms.csv"])
def test_identifying_columns_never_reach_the_data(name):
    r = _read(name)
    text = r.data.astype(str).to_csv() + r.exclusions.astype(str).to_csv()
    for personal in ("example.org", "Smith", "192.0.2.7", "51.5"):
        assert personal not in text


def test_spss_user_missing_codes_are_never_scored():
    r = _read("spss.sav")
    items = r.data[r.instrument.item_ids]
    assert not items.isin([9, 99]).any().any()
    assert items.isna().any().any()  # the declared 9 / 99 became missing


def test_microsoft_forms_duration_comes_from_start_and_completion():
    r = _read("ms_forms.xlsx")
    assert r.data["duration_s"].between(8 * 60, 12 * 60).all()
