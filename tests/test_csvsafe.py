"""write_csv: every text cell that a spreadsheet would run as a formula is neutralised, numbers
are never changed, and the file reads back as the table written.

The reference is written out here, independently of the module: a text cell whose first
character is one of OWASP's formula starts reads back with one single quote in front.
"""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from copro_scale.csvsafe import write_csv

OWASP_STARTS = "=+-@\t\r"
AWKWARD = ["=1+1", "+x", "-3", "@a", "\tt", "\rr", "a,b", 'q"q', "line\nbreak", "cr\rx", "",
           " sp ", "\u00fc \u00e9", "x\n=y", "'", "None", "nan", "=HYPERLINK(\"http://x\")"]


def expected_text(value) -> str:
    text = str(value)
    return "'" + text if text[:1] and text[0] in OWASP_STARTS else text


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def random_frame(rng, n):
    return pd.DataFrame({
        "text": rng.choice(AWKWARD, n),
        "=formula header": np.where(rng.random(n) < 0.2, np.nan, rng.random(n) * 5 - 2),
        "ints": rng.integers(-5, 5, n),
        "flags": rng.random(n) < 0.5,
        "codes": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n)), dtype="Int8"),
        "str": pd.Series(rng.choice(["a", "-b", None], n), dtype="str"),
        "mixed": pd.Series([[1, "=x", 2.5, None, "@y"][i % 5] for i in range(n)], dtype=object),
    })


@pytest.mark.parametrize("n", [0, 1, 7, 500])
def test_every_cell_reads_back_neutralised_or_unchanged(n):
    frame = random_frame(np.random.default_rng(n), n)
    buf = io.StringIO()
    write_csv(frame, buf)
    rows = read_back(buf.getvalue())
    assert rows[0] == [expected_text(c) for c in frame.columns]
    assert len(rows) == n + 1
    for i, row in enumerate(rows[1:]):
        src = frame.iloc[i]
        assert row[0] == expected_text(src["text"])
        x = src["=formula header"]
        assert (row[1] == "") if pd.isna(x) else float(row[1]) == pytest.approx(round(x, 4), abs=1e-12)
        assert int(row[2]) == src["ints"]  # numbers are never quoted or prefixed, -3 included
        assert row[3] in ("true", "false") and (row[3] == "true") == bool(src["flags"])
        assert row[4] == ("" if pd.isna(src["codes"]) else str(int(src["codes"])))
        assert row[5] == ("" if pd.isna(src["str"]) else expected_text(src["str"]))
        assert row[6] == ("" if src["mixed"] is None else expected_text(src["mixed"]))


def test_a_formula_in_a_team_name_is_neutralised_in_a_file(tmp_path):
    p = tmp_path / "x.csv"
    write_csv(pd.DataFrame({"team": ["=HYPERLINK(\"http://evil\")", "Ward A"], "n": [-1, 2]}), p)
    rows = read_back(p.read_text("utf-8"))
    assert rows[1] == ["'=HYPERLINK(\"http://evil\")", "-1"] and rows[2] == ["Ward A", "2"]
