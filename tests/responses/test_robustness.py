"""Property-based robustness: junk in, a CoproError or a valid result out, never a traceback.

Every reader (forced, and auto-detection) gets random bytes, truncated fixtures, BOMs, Latin-1,
Excel-mangled numbers and empty files. A result must still account for every row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from copro_scale import CoproError, load_instrument, read_responses, score

FIX = Path(__file__).parents[1] / "fixtures" / "platforms"
ROUNDTRIP = Path(__file__).parents[1] / "fixtures" / "roundtrip"
INST = load_instrument()
TEXT_FIXTURES = ["canonical.csv", "qualtrics.csv", "qualtrics_legacy.csv", "redcap_raw.csv",
                 "redcap_labels.csv", "google_forms.csv", "mapped.csv",
                 "../roundtrip/limesurvey_psw.csv", "../roundtrip/surveyjs_colleague.json"]
BINARY = {"ms_forms.xlsx": "forms", "spss.sav": "spss"}
#: Every reader, LimeSurvey and SurveyJS included, forced and auto-detected.
FORMATS = ["auto", "canonical", "qualtrics", "redcap", "forms", "mapped", "limesurvey", "surveyjs"]
SETTINGS = settings(max_examples=int(__import__("os").environ.get("COPRO_HYPOTHESIS_EXAMPLES", 40)), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def attempt(data: bytes, suffix: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"input{suffix}"
        p.write_bytes(data)
        mapping = FIX / "mapped.yaml" if fmt == "mapped" else None
        try:
            r = read_responses(p, INST, format=fmt, mapping=mapping)
        except CoproError as exc:
            assert "\n" not in str(exc) and str(exc).strip()
            return
        assert r.n_read == len(r.data) + len(r.exclusions)
        score(r)


MANGLE = {"4": ["4.0", "4,00", " 4 ", "4E0", "=4", "four", "\u00a04"], "2": ["2.", "02", "2.5"]}


@st.composite
def mutated_fixture(draw):
    name = draw(st.sampled_from(TEXT_FIXTURES))
    data = (FIX / name).read_bytes()
    how = draw(st.sampled_from(["truncate", "bom", "latin1", "mangle", "splice", "empty_lines"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "bom":
        data = b"\xef\xbb\xbf" + data.removeprefix(b"\xef\xbb\xbf")
    elif how == "latin1":
        text = data.decode("utf-8-sig")
        data = text.replace("Ward", "W\u00e9rd").replace("Agree", "Agr\u00e9e").encode("latin-1", "replace")
    elif how == "mangle":
        text = data.decode("utf-8-sig")
        old = draw(st.sampled_from(sorted(MANGLE)))
        new = draw(st.sampled_from(MANGLE[old]))
        data = text.replace("," + old + ",", "," + new + ",", draw(st.integers(1, 50))).encode()
    elif how == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=40)) + data[at:]
    else:
        data = data.replace(b"\n", b"\n\n", 3)
    return data


@SETTINGS
@given(data=mutated_fixture(), fmt=st.sampled_from(FORMATS), suffix=st.sampled_from([".csv", ".json"]))
def test_mutated_fixtures_never_traceback(data, fmt, suffix):
    attempt(data, suffix, fmt)


@SETTINGS
@given(data=st.binary(max_size=300), fmt=st.sampled_from(FORMATS),
       suffix=st.sampled_from([".csv", ".xlsx", ".sav", ".txt", ".json"]))
def test_random_bytes_never_traceback(data, fmt, suffix):
    attempt(data, suffix, "spss" if suffix == ".sav" and fmt == "auto" else fmt)


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list(',;"\n\r\t 1234509aAé=-')), max_size=200),
       fmt=st.sampled_from(FORMATS))
def test_junk_tables_never_traceback(text, fmt):
    attempt(text.encode("utf-8"), ".csv", fmt)


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(cut=st.floats(0, 1))
def test_truncated_binary_files_never_traceback(name, cut):
    data = (FIX / name).read_bytes()
    attempt(data[: int(cut * len(data))], Path(name).suffix, BINARY[name])


@pytest.mark.parametrize("fmt", FORMATS + ["spss"])
def test_empty_file_is_a_one_line_error(tmp_path, fmt):
    p = tmp_path / ("e.sav" if fmt == "spss" else "e.json" if fmt == "surveyjs" else "e.csv")
    p.write_bytes(b"")
    with pytest.raises(CoproError):
        read_responses(p, format=fmt, mapping=FIX / "mapped.yaml" if fmt == "mapped" else None)
