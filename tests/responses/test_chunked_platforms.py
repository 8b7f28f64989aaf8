"""Platform exports scored in blocks: the same files as the whole-file read of the same reader.

The oracle is the whole-file path (``read_responses`` then ``score``); each export is built from
a hostile canonical table (repeated ids far apart, team spelling variants, blank teams, labels,
out-of-range codes, durations) in the platform's own layout, with its status columns, extra
columns and identifying columns, and read in blocks of a few rows.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from copro_scale.cli import main
from copro_scale.errors import CoproError
from copro_scale.responses import blockread, chunked

from .test_chunked import assert_same_as_whole, hostile, whole

IDENTIFYING = ["IPAddress", "RecipientEmail", "LocationLatitude"]


def _cell(v):
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else (
        str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))


def qualtrics(path, frame: pd.DataFrame, inst, extra: int = 5) -> None:
    """A Qualtrics export: three header rows, metadata (with identifying columns), Status
    (previews and spam), Finished, Duration, extra questions; a quoted cell with a line break."""
    n = len(frame)
    k = np.arange(n)
    meta = {"StartDate": ["2026-03-01 09:00:00"] * n,
            "Status": np.where(k % 37 == 5, "1", np.where(k % 53 == 7, "8", "0")),
            "IPAddress": [f"10.0.{i % 250}.1" for i in k],
            "Duration (in seconds)": frame["duration_s"].to_numpy(),
            "Finished": np.where(k % 29 == 3, "0", "1"),
            "ResponseId": frame["response_id"].to_numpy(dtype=object),
            "RecipientEmail": [f"p{i}@example.org" for i in k],
            "LocationLatitude": ["51.5"] * n}
    cols = {**meta, "team": frame["team"].to_numpy(dtype=object),
            "role": frame["role"].to_numpy(dtype=object),
            **{i: frame[i].to_numpy(dtype=object) for i in inst.item_ids},
            **{f"Q{j}": np.where(k % 5 == j, f"free, text\nline {j}", str(j)) for j in range(extra)}}
    header = list(cols)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerow(["Start Date", "Response Type", "IP Address", "Duration (in seconds)",
                    "Finished", "Response ID", "Recipient Email", "Location Latitude", "Team",
                    "Role"] + inst.item_ids + [f"Question {j}" for j in range(extra)])
        w.writerow([f'{{"ImportId":"{c}"}}' for c in header])
        for r in range(n):
            w.writerow([_cell(cols[c][r]) for c in header])


def redcap(path, frame: pd.DataFrame, inst) -> None:
    """A classic REDCap record export: record_id, a data access group, the items, a timestamp
    and the form's ``_complete`` (some 0 Incomplete)."""
    k = np.arange(len(frame))
    out = pd.DataFrame({"record_id": frame["response_id"].to_numpy(dtype=object),
                        "redcap_data_access_group": "north",
                        "psw_form_timestamp": np.where(k % 31 == 4, "[not completed]",
                                                       "2026-03-01 10:00")})
    out = pd.concat([out, frame[["team", "role", "months_in_role", *inst.item_ids]]], axis=1)
    out["psw_form_complete"] = np.where(k % 23 == 2, "0", "2")
    out.to_csv(path, index=False)


def limesurvey(path, frame: pd.DataFrame, inst) -> None:
    """A LimeSurvey export with question-code headings; some rows without a submit date."""
    k = np.arange(len(frame))
    out = pd.DataFrame({"id": frame["response_id"].to_numpy(dtype=object),
                        "submitdate": np.where(k % 19 == 6, "", "2026-03-01 10:00:00"),
                        "lastpage": "3", "startlanguage": "en", "seed": "42"})
    out["team"], out["role"], out["months"] = frame["team"], frame["role"], frame["months_in_role"]
    for i in inst.item_ids:
        out[f"voice[{i}]"] = frame[i]
    out.to_csv(path, index=False)


def forms(path, frame: pd.DataFrame, inst) -> None:
    """A Microsoft Forms sheet saved as CSV: columns headed by statement text, start and
    completion times (the duration), an e-mail column."""
    k = np.arange(len(frame))
    start = pd.Timestamp("2026-03-01 09:00:00")
    out = pd.DataFrame({"ID": frame["response_id"].to_numpy(dtype=object),
                        "Start time": [str(start)] * len(frame),
                        "Completion time": [str(start + pd.Timedelta(seconds=float(d)))
                                            for d in frame["duration_s"]],
                        "Email": [f"p{i}@example.org" for i in k]})
    for field in ("team", "role", "months_in_role"):
        out[inst.respondent_fields[field]["label"]] = frame[field]
    for it in inst.items:
        out[it.text("psw")] = frame[it.id]
    out.to_csv(path, index=False)


WRITERS = {"qualtrics": qualtrics, "redcap": redcap, "limesurvey": limesurvey, "forms": forms}


# Qualtrics in `make test`, the other platforms in `make test-all` (the 2-minute budget).
@pytest.mark.parametrize("fmt", [f if f == "qualtrics" else pytest.param(f, marks=pytest.mark.slow)
                                 for f in WRITERS])
def test_a_platform_export_in_blocks_writes_the_whole_reads_files(tmp_path, inst, fmt):
    frame = hostile(seed=5)
    path = tmp_path / "export.csv"
    WRITERS[fmt](path, frame, inst)
    text = path.read_text(encoding="utf-8").split("\n")
    header_rows = 3 if fmt == "qualtrics" else 1
    text.insert(header_rows + 30, "")  # a blank line: later rows keep their numbers
    path.write_text("\n".join(text), encoding="utf-8")
    r = whole(path, tmp_path)
    assert r.format == fmt
    assert {"duplicate_id", "missing_team", "out_of_range"} <= set(r.reason_counts())
    summary = chunked.score_in_blocks(path, inst, output=tmp_path / "blocks.csv",
                                      exclusions=tmp_path / "blocks-excl.csv", block_bytes=4096)
    assert summary.format == fmt
    assert_same_as_whole(tmp_path, summary, r)


def test_a_mapped_export_in_blocks_writes_the_whole_reads_files(tmp_path, inst):
    frame = hostile(seed=8)
    path = tmp_path / "export.csv"
    out = frame.rename(columns={i: f"Q{k}" for k, i in enumerate(inst.item_ids)})
    out = out.rename(columns={"team": "Unit", "response_id": "Respondent ID"})
    out["Done"] = np.where(np.arange(len(out)) % 17 == 1, "no", "yes")
    out["Email"] = "someone@example.org"
    out.to_csv(path, index=False)
    mapping = {"columns": {"Respondent ID": "response_id", "Unit": "team",
                           **{f"Q{k}": i for k, i in enumerate(inst.item_ids)}},
               "unfinished": {"column": "Done", "values": ["no"]}}
    from copro_scale import read_responses
    from copro_scale.csvsafe import write_csv
    from copro_scale.scoring import score

    r = read_responses(path, inst, mapping=mapping, ids="sequence")
    write_csv(score(r), tmp_path / "whole.csv")
    write_csv(r.exclusions, tmp_path / "whole-excl.csv")
    assert {"unfinished", "duplicate_id"} <= set(r.reason_counts())
    summary = chunked.score_in_blocks(path, inst, output=tmp_path / "blocks.csv",
                                      exclusions=tmp_path / "blocks-excl.csv", mapping=mapping,
                                      block_bytes=4096)
    assert summary.format == "mapped"
    assert (tmp_path / "blocks.csv").read_text() == (tmp_path / "whole.csv").read_text()
    assert (tmp_path / "blocks-excl.csv").read_text() == (tmp_path / "whole-excl.csv").read_text()
    assert summary.accounting() == r.accounting()


def test_copro_score_reads_a_large_qualtrics_export_in_blocks_with_its_statuses(
        tmp_path, inst, monkeypatch, capsys):
    """A large Qualtrics export that also names every item and ``team`` (what the canonical
    reader looks for) is read as Qualtrics in blocks: its header rows are no responses, its
    previews and unfinished rows are excluded, and no block holds more than a few rows."""
    from copro_scale.responses import normalise

    frame = hostile(seed=9)
    path = tmp_path / "export.csv"
    qualtrics(path, frame, inst, extra=40)
    assert main(["score", str(path), "-o", str(tmp_path / "whole.csv"),
                 "--exclusions", str(tmp_path / "whole-excl.csv")]) == 0
    said = capsys.readouterr().err
    seen = []

    def spy(raw, *a, **kw):
        seen.append(len(raw))
        return normalise.finish(raw, *a, **kw)

    monkeypatch.setattr(chunked, "finish", spy)
    monkeypatch.setattr(chunked, "STREAM_BYTES", 1)
    monkeypatch.setattr(chunked, "BLOCK_BYTES", 16 << 10)
    assert main(["score", str(path), "-o", str(tmp_path / "blocks.csv"),
                 "--exclusions", str(tmp_path / "blocks-excl.csv")]) == 0
    err = capsys.readouterr().err
    assert "read as qualtrics (in blocks)" in err
    assert said.splitlines()[-1] == err.splitlines()[-1]  # the accounting line
    assert "preview" in err and "unfinished" in err
    assert seen and max(seen) < len(frame) // 3, seen
    assert (tmp_path / "blocks.csv").read_text() == (tmp_path / "whole.csv").read_text()
    assert (tmp_path / "blocks-excl.csv").read_text() == (tmp_path / "whole-excl.csv").read_text()


def test_only_the_columns_used_are_read(tmp_path, inst, monkeypatch):
    """The extra and identifying columns of an export are never read into a block."""
    frame = hostile(seed=2)
    path = tmp_path / "export.csv"
    qualtrics(path, frame, inst, extra=30)
    from copro_scale.responses.tables import read_head

    blocks = chunked.blocks_of(path, inst, read_head(path))
    columns = set()
    for got in blocks.read(4096):
        columns |= set(got.frame.columns)
    read = set()
    real = blockread.text_blocks

    def spy(path, head, cols, *a, **kw):
        read.update(cols)
        return real(path, head, cols, *a, **kw)

    monkeypatch.setattr(blockread, "text_blocks", spy)
    for _ in chunked.blocks_of(path, inst, read_head(path)).read(4096):
        pass
    assert not read & {f"Q{j}" for j in range(30)}
    assert not (read | columns) & {"IPAddress", "RecipientEmail", "LocationLatitude"}
    assert {"Status", "Finished", "ResponseId", "team"} <= read


def test_a_longitudinal_redcap_export_is_read_whole(tmp_path, inst):
    """Events and repeat instances are judged across the file: no reading in blocks."""
    frame = hostile(seed=4)
    path = tmp_path / "export.csv"
    redcap(path, frame, inst)
    data = pd.read_csv(path, dtype=str)
    data.insert(1, "redcap_event_name", "baseline_arm_1")
    data.to_csv(path, index=False)
    from copro_scale.responses.tables import read_head

    assert chunked.blocks_of(path, inst, read_head(path)) is None


def test_a_row_longer_than_a_read_is_a_one_line_error(tmp_path, inst, monkeypatch):
    frame = hostile(seed=6)
    frame.loc[100, "team"] = "Ward " + "x" * 9000  # a row across more than two reads
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    monkeypatch.setattr(blockread, "READ_BYTES", 2048)
    with pytest.raises(CoproError, match="holds a row of more than 0.00195312 MB") as err:
        chunked.score_in_blocks(path, inst, output=tmp_path / "s.csv", block_bytes=8192)
    assert 2 < err.value.row <= 102 and not (tmp_path / "s.csv").exists()
