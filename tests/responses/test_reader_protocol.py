"""One reader protocol: every format takes the same options (encoding, sheet) and is finished
by the one shared step; readers share each platform's codes through copro_scale.platforms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from copro_scale import read_responses
from copro_scale.responses import READERS

ROUNDTRIP = Path(__file__).parents[1] / "fixtures" / "roundtrip"


def test_every_reader_follows_one_protocol():
    for name, reader in READERS.items():
        assert reader.NAME == name
        assert callable(reader.sniff) and callable(reader.read)
        assert not hasattr(reader, "finishes")


def test_a_cp1252_limesurvey_export_reads_with_its_encoding(tmp_path, inst):
    src = pd.read_csv(ROUNDTRIP / "limesurvey_psw.csv", dtype=str, keep_default_na=False)
    src["team"] = src["team"] + " \u00e9quipe"
    p = tmp_path / "ls.csv"
    p.write_bytes(src.to_csv(index=False).encode("cp1252"))
    r = read_responses(p, inst, encoding="cp1252")
    assert r.format == "limesurvey"
    assert r.data["team"].str.endswith("\u00e9quipe").all()


def test_a_limesurvey_xlsx_reads_the_sheet_asked_for(tmp_path, inst):
    src = pd.read_csv(ROUNDTRIP / "limesurvey_psw.csv", dtype=str, keep_default_na=False)
    p = tmp_path / "ls.xlsx"
    with pd.ExcelWriter(p) as xl:
        pd.DataFrame({"notes": ["nothing here"]}).to_excel(xl, sheet_name="About", index=False)
        src.to_excel(xl, sheet_name="Responses", index=False)
    r = read_responses(p, inst, format="limesurvey", sheet="Responses")
    assert r.n_read == len(src) and r.format == "limesurvey"


def test_surveyjs_results_in_utf16_read(tmp_path, inst):
    p = tmp_path / "r.json"
    p.write_bytes((ROUNDTRIP / "surveyjs_psw.json").read_text("utf-8").encode("utf-16"))
    a = read_responses(p, inst)
    b = read_responses(ROUNDTRIP / "surveyjs_psw.json", inst)
    assert a.format == "surveyjs"
    pd.testing.assert_frame_equal(a.data, b.data)


def test_reading_and_scoring_load_no_export_module():
    """The readers share platform codes through copro_scale.platforms, never through the
    exporters: reading and scoring a platform export leaves copro_scale.administer unloaded."""
    code = ("import sys; from copro_scale import read_responses, score; "
            f"score(read_responses({str(ROUNDTRIP / 'limesurvey_psw.csv')!r})); "
            "print(sorted(m for m in sys.modules if m.startswith('copro_scale.administer')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
