"""write_csv builds rows from blocks of distinct values: it must match csv.writer byte for byte."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from copro_scale import csvsafe
from copro_scale.csvsafe import cell_text, write_csv

AWKWARD = ["=1+1", "+x", "-3", "@a", "\tt", "\rr", "a,b", 'q"q', "line\nbreak", "cr\rx", "",
           " sp ", "ü é", "x\n=y", "'", "None", "nan"]


def reference(frame, float_format="%.4f") -> str:
    """What the csv module writes for the formula-safe text of each cell."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([("'" + str(c)) if str(c).startswith(csvsafe.FORMULA_START) else c
                for c in frame.columns])
    w.writerows(zip(*(cell_text(frame[c], float_format) for c in frame.columns)))
    return buf.getvalue()


def random_frame(rng, n, m):
    cols = {}
    for j in range(m):
        kind = rng.integers(0, 7)
        if kind == 0:
            cols[f"c{j}"] = rng.choice(AWKWARD, n)
        elif kind == 1:
            cols[f"=c{j}"] = np.where(rng.random(n) < 0.2, np.nan, rng.random(n) * 5)
        elif kind == 2:
            cols[f"c,{j}"] = rng.integers(-5, 5, n)
        elif kind == 3:
            cols[f"c{j}"] = rng.random(n) < 0.5
        elif kind == 4:
            cols[f"c{j}"] = pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(0, 9, n)),
                                     dtype="Int8")
        elif kind == 5:
            cols[f"c{j}"] = pd.Series(rng.choice(["a", "b", None], n), dtype="str")
        else:
            cols[f"c{j}"] = pd.Series([f"r{i}" for i in range(n)], dtype=object)
    return pd.DataFrame(cols, index=range(n))


@pytest.mark.parametrize("n", [0, 1, 3, 500])
@pytest.mark.parametrize("m", [0, 1, 2, 6])
@pytest.mark.parametrize("float_format", ["%.4f", None])
def test_write_csv_matches_the_csv_module(n, m, float_format):
    rng = np.random.default_rng(n * 10 + m)
    for _ in range(3):
        frame = random_frame(rng, n, m)
        buf = io.StringIO()
        write_csv(frame, buf, float_format=float_format)
        assert buf.getvalue() == reference(frame, float_format)


def test_write_csv_blocks_and_chunks(monkeypatch):
    """Many rows over several chunks, columns joined into blocks, mixed object text, ids."""
    monkeypatch.setattr(csvsafe, "_CHUNK", 7)
    monkeypatch.setattr(csvsafe, "_SAMPLE", 5)
    rng = np.random.default_rng(1)
    frame = random_frame(rng, 100, 9)
    frame["mixed"] = pd.Series([1, "=x", 2.5, None, True] * 20, dtype=object)
    ids = [f"id{i}" for i in range(100)]
    ids[50], ids[60], ids[70], ids[80] = None, "=1", "a,b", "id1"
    frame["ids"] = pd.Series(ids, dtype="str")
    frame["ids_plain"] = pd.Series([f"r{i}" for i in range(100)], dtype="str")
    frame["few"] = rng.integers(0, 3, 100)
    buf = io.StringIO()
    write_csv(frame, buf)
    assert buf.getvalue() == reference(frame)
    assert len(csvsafe._blocks(frame, "%.4f")) < len(frame.columns)
