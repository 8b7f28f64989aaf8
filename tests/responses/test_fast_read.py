"""The fast intake path (pyarrow's reader, arrow columns worked on in place, row blocks in
threads) gives exactly what the general path gives."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest

from copro_scale import read_responses, score
from copro_scale import blocks, csvsafe
from copro_scale.responses import canonical
from copro_scale.responses.tables import read_head
from copro_scale.simulate import simulate


def messy(inst) -> pd.DataFrame:
    """A canonical table with a case of every reason the item and id checks give."""
    df = simulate(6, 12, seed=3, straightline_rate=0.1).responses.copy()
    df = df.sample(frac=1, random_state=1).reset_index(drop=True)  # ids out of order
    items = inst.item_ids
    df[items] = df[items].astype("Int8")
    psw = df.index[df["form"] == "psw"]
    col = df.index[df["form"] == "colleague"]
    df.loc[psw[0], "vdm2"] = 7                      # out of range
    df.loc[psw[1], "vnd1"] = -1                     # out of range
    df.loc[psw[2], "eid3"] = inst.dont_know.code    # don't know where not offered
    df.loc[col[0], "eid3"] = inst.dont_know.code    # don't know where offered: missing
    df.loc[col[1], items] = pd.NA                   # no answers
    df.loc[col[2], "team"] = None                   # missing team
    df.loc[col[3], "role"] = "wizard"               # unknown role
    df.loc[col[4], "response_id"] = df.loc[psw[5], "response_id"]  # a repeated id
    df.loc[col[5], "response_id"] = None            # a blank id
    df.loc[col[6], "response_id"] = "id\x01x"       # a control character
    df.loc[col[7], "response_id"] = "x" * 10_001    # too long
    return df


def test_the_fast_read_shares_arrow_memory(tmp_path, inst):
    p = tmp_path / "r.csv"
    simulate(2, 5, seed=1).responses.to_csv(p, index=False)
    raw = canonical.read(p, inst, read_head(p)).frame
    assert all(isinstance(raw[i].dtype, pd.ArrowDtype) for i in inst.item_ids)


def test_fast_and_general_paths_agree_on_a_messy_file(tmp_path, inst):
    p = tmp_path / "r.csv"
    messy(inst).to_csv(p, index=False)
    fast = read_responses(p)
    general = read_responses(pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""]))
    assert isinstance(canonical.read(p, inst, read_head(p)).frame["vdm1"].dtype, pd.ArrowDtype)
    assert set(fast.exclusions["reason"]) == {"out_of_range", "no_answers", "missing_team",
                                              "unknown_role", "duplicate_id", "invalid_text",
                                              "text_too_long"}
    pd.testing.assert_frame_equal(fast.data, general.data)
    pd.testing.assert_frame_equal(fast.exclusions, general.exclusions)
    pd.testing.assert_frame_equal(fast.flags, general.flags)


def test_values_on_several_lines_are_read_whole_by_the_fast_reader(tmp_path, inst):
    """Rows split between threads at line ends: a quoted value spanning lines must not be cut."""
    df = simulate(40, 50, seed=2).responses  # 2,000 rows; names on two lines, 2 MB of padding
    df["team"] = df["team"] + "\n(" + "x" * 1000 + ")"
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    assert p.stat().st_size > 2 * 2**20  # more than one of pyarrow's 1 MB blocks
    r = read_responses(p)
    assert r.n_read == len(r.data) == len(df)
    assert r.data["team"].tolist() == df["team"].tolist()


def test_row_blocks_in_threads_score_as_one_block(monkeypatch, inst):
    r = read_responses(messy(inst).assign(_row=lambda d: range(2, len(d) + 2)))
    whole = score(r)
    monkeypatch.setattr(blocks, "MIN_BLOCK_ROWS", 7)
    monkeypatch.setattr(blocks.os, "cpu_count", lambda: 3)
    assert len(blocks.row_blocks(len(r.data))) == 3
    again = read_responses(messy(inst).assign(_row=lambda d: range(2, len(d) + 2)))
    pd.testing.assert_frame_equal(again.data, r.data)
    pd.testing.assert_frame_equal(again.flags, r.flags)
    pd.testing.assert_frame_equal(score(again), whole)


def test_csv_pieces_written_in_threads_match_one_piece(monkeypatch):
    table = pa.table({"team": [f"T{i % 7}" for i in range(100)], "x": np.arange(100) / 3})
    one = io.BytesIO()
    pa_csv.write_csv(table, one)
    monkeypatch.setattr(csvsafe, "PIECE_ROWS", 7)
    monkeypatch.setattr(csvsafe.os, "cpu_count", lambda: 3)
    pieces = io.BytesIO()
    csvsafe.write_rows(table, pieces)
    assert pieces.getvalue() == one.getvalue()


@pytest.mark.parametrize("n", [0, 1])
def test_a_table_of_no_or_one_row_is_written_with_its_header(n):
    buf = io.BytesIO()
    csvsafe.write_rows(pa.table({"a": list(range(n))}), buf)
    assert buf.getvalue().splitlines()[0] == b'"a"' and len(buf.getvalue().splitlines()) == 1 + n


def test_a_byte_that_is_not_utf8_in_a_number_column_is_a_one_line_error(tmp_path):
    """pyarrow reads an untyped column with such a byte as binary; the read must not go on."""
    from copro_scale import CoproError

    df = simulate(2, 5, seed=1).responses
    df["months_in_role"] = df["months_in_role"].astype(str)
    df.loc[3, "months_in_role"] = "MARK"
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    p.write_bytes(p.read_bytes().replace(b"MARK", b"\x8041"))
    with pytest.raises(CoproError, match=r"row 5, column 'months_in_role': is not utf-8"):
        read_responses(p)


def test_text_in_a_number_column_is_read_by_the_general_path(tmp_path):
    df = simulate(2, 5, seed=1).responses.astype({"months_in_role": object})
    df.loc[0, "months_in_role"] = "12 months"
    df.loc[1, "months_in_role"] = "7.0"
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    r = read_responses(p)
    assert r.data["months_in_role"].tolist()[:2] == [12, 7]  # "12 months" is 12 months


def _general(p):
    return read_responses(pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""]))


def _as_text():
    return simulate(3, 6, seed=1).responses.astype(str).replace({"<NA>": ""})


@pytest.mark.parametrize("case", ["hex", "pandas_na", "negative_zero", "text_ids"])
def test_cells_that_pyarrow_and_pandas_read_differently_give_what_the_general_path_gives(
        tmp_path, case):
    """Found by a red-team pass: each case once gave another answer on the fast path."""
    d = _as_text()
    if case == "hex":  # pyarrow reads "0x4" as 4; no platform writes hex
        d.loc[0, "vdm1"] = "0x4"
    elif case == "pandas_na":  # pandas' own missing marker, on the pandas fallback and as text
        d.loc[0, "vdm1"] = "<NA>"
    elif case == "negative_zero":
        d.loc[0, "vdm1"] = "-0"
    else:  # ids and teams stay text when another cell sends the file to pandas
        d["response_id"] = [f"{i:03d}" for i in range(len(d))]
        d["team"] = ["010", "10.0", "true"] * 6
        d.loc[5, "vdm2"] = "NA"
    p = tmp_path / "r.csv"
    d.to_csv(p, index=False)
    fast, general = read_responses(p), _general(p)
    pd.testing.assert_frame_equal(fast.data, general.data)
    pd.testing.assert_frame_equal(fast.exclusions, general.exclusions)
    if case == "hex":
        assert fast.exclusions["reason"].tolist() == ["unknown_label"]
    if case == "negative_zero":
        assert fast.exclusions["detail"].tolist() == ["column 'vdm1': value outside 1-5 (0)"]
    if case == "text_ids":
        assert fast.data["response_id"].tolist()[:2] == ["000", "001"]
        assert fast.data["team"].nunique() == 3


def test_a_row_with_too_many_fields_is_a_one_line_error(tmp_path):
    from copro_scale import CoproError

    lines = _as_text().to_csv(index=False).splitlines()
    lines[5] = "x,y," + lines[5]
    p = tmp_path / "r.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(CoproError, match=r"row 6: a long row: 43 fields where the header has 41"):
        read_responses(p)
