"""Intake cases where a file used to read as a wrong answer with exit 0, or lost valid rows under
a misleading reason. Each oracle is the truth the test file was written from, not the reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale import read_responses
from copro_scale.errors import CoproError


def _sav(tmp_path, inst, values, labels, name="s.sav"):
    import pyreadstat

    frame = pd.DataFrame({"response_id": [f"r{k}" for k in range(len(values))],
                          "team": ["Ward A"] * len(values), "role": ["psw"] * len(values)})
    for item in inst.item_ids:
        frame[item] = np.asarray(values, dtype="float64")
    p = tmp_path / name
    pyreadstat.write_sav(frame, str(p), variable_value_labels={i: labels for i in inst.item_ids})
    return p


def test_spss_unlabelled_codes_follow_the_labelled_codes_shift(tmp_path, inst):
    # coded 0-4; labels on 0, 2 and 4 only: 1 is "Disagree" (2) and 3 is "Agree" (4)
    labels = {0.0: "Strongly disagree", 2.0: "Neither agree nor disagree", 4.0: "Strongly agree"}
    truth = [1, 2, 3, 4, 5, 2, 1]
    r = read_responses(_sav(tmp_path, inst, [t - 1 for t in truth], labels), inst)
    assert r.n_scored == len(truth)
    assert r.data[inst.item_ids[0]].tolist() == truth


def test_spss_unlabelled_codes_with_no_rule_are_refused(tmp_path, inst):
    labels = {1.0: "Strongly disagree", 2.0: "Strongly agree"}  # no shift or reversal fits
    with pytest.raises(CoproError, match=r"codes 3 have no value label.*VALUE LABELS"):
        read_responses(_sav(tmp_path, inst, [1, 2, 3], labels), inst)


def _redcap(tmp_path, sim, teams, name="r.csv"):
    src = sim.copy().rename(columns={"response_id": "record_id"}).drop(columns="form")
    src["team"] = [teams[k % len(teams)] for k in range(len(src))]
    src["psw_form_complete"] = 2
    p = tmp_path / name
    src.to_csv(p, index=False)
    return p


def test_numeric_team_names_are_matched_by_name_not_position(tmp_path, sim):
    tl = tmp_path / "teams.csv"
    tl.write_text("team\n3\n1\n2\n")
    r = read_responses(_redcap(tmp_path, sim, ["1", "2", "3"]), teams=tl)
    expected = [["1", "2", "3"][k % 3] for k in range(len(sim))]
    assert r.exclusions.empty and r.data["team"].tolist() == expected
    with pytest.raises(CoproError, match="one number, two meanings"):
        read_responses(_redcap(tmp_path, sim, ["1", "2", "3"]), teams=tl, team_codes=True)


def test_a_typed_number_is_not_a_list_position(tmp_path, sim):
    tl = tmp_path / "teams.csv"
    tl.write_text("team\nWard 1\nWard 10\nWard 2\n")
    r = read_responses(_redcap(tmp_path, sim, ["Ward 1", "2"]), teams=tl)
    assert set(r.data["team"]) == {"Ward 1"}  # never Ward 10
    assert set(r.exclusions["reason"]) == {"unknown_team"}
    assert any("--team-codes" in w for w in r.warnings)
    coded = read_responses(_redcap(tmp_path, sim, ["1", "2"]), teams=tl, team_codes=True)
    assert sorted(set(coded.data["team"])) == ["Ward 1", "Ward 10"]


def _xlsx(tmp_path, frame, name="r.xlsx", formulas=None, sheet_before=False):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    if sheet_before:
        ws.title = "Notes"
        ws.append(["Exported from the survey tool"])
        ws = wb.create_sheet("Responses")
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if pd.isna(v) else v for v in row])
    for ref, formula in (formulas or {}).items():
        ws[ref] = formula
    p = tmp_path / name
    wb.save(p)
    return p


def test_xlsx_formula_cells_without_stored_results_are_refused(tmp_path, sim, inst):
    # openpyxl writes a formula without its result, as any program but Excel does
    p = _xlsx(tmp_path, sim, formulas={"F2": "=1+3", "G3": "=2*2"})
    with pytest.raises(CoproError, match=r"2 formula cell\(s\) have no stored result \(first: F2, G3\)"):
        read_responses(p, inst)


def test_xlsx_data_on_a_later_sheet_names_the_sheets(tmp_path, sim, inst):
    p = _xlsx(tmp_path, sim, sheet_before=True)
    with pytest.raises(CoproError, match=r"--sheet.*Notes, Responses|Notes, Responses.*--sheet"):
        read_responses(p, inst)
    assert read_responses(p, inst, sheet="Responses").n_scored == len(sim)


def _qualtrics(tmp_path, sim, inst, *, values=None, only=None, status=None, import_row='{"ImportId":"QID%d"}',
               name="q.csv"):
    """A Qualtrics CSV export written from ``sim``: tags, question text, ImportId row."""
    import csv

    meta = ["StartDate", "Status", "Finished", "ResponseId", "team", "role"]
    header = meta + list(inst.item_ids)
    texts = ["Start Date", "Response Type", "Finished", "Response ID", "Team", "Role"] + [
        "Items - " + inst.item(i).text("psw") for i in inst.item_ids]
    rows = [header, texts, [import_row % k for k in range(len(header))]]
    for k, rec in enumerate(sim.itertuples(index=False)):
        rec = rec._asdict()
        answers = [values(rec[i], k) if values and i in (only or [i]) else rec[i]
                   for i in inst.item_ids]
        rows.append(["2026-01-01", (status or {}).get(k, "0"), "1", rec["response_id"],
                     rec["team"], rec["role"]] + ["" if pd.isna(a) else a for a in answers])
    p = tmp_path / name
    with open(p, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return p


def test_a_mapping_label_turns_a_not_applicable_code_into_no_answer(tmp_path, sim, inst):
    first = inst.item_ids[0]
    p = _qualtrics(tmp_path, sim, inst, values=lambda v, k: -1 if k % 3 == 0 else v, only=[first])
    before = read_responses(p, inst)
    assert set(before.exclusions["reason"]) == {"out_of_range"}
    m = tmp_path / "m.yaml"
    m.write_text("labels:\n  -1: null\n")
    r = read_responses(p, inst, mapping=m)
    assert r.format == "qualtrics" and r.exclusions.empty
    assert r.data[first].isna().tolist() == [k % 3 == 0 for k in range(len(sim))]


def test_qualtrics_default_agreement_labels_are_the_scale(tmp_path, sim, inst):
    names = {1: "Strongly disagree", 2: "Somewhat disagree", 3: "Neither agree nor disagree",
             4: "Somewhat agree", 5: "Strongly agree"}
    p = _qualtrics(tmp_path, sim, inst, values=lambda v, k: names.get(v, ""))
    r = read_responses(p, inst)
    assert r.exclusions.empty
    assert r.data[inst.item_ids].astype("float").equals(
        sim[inst.item_ids].where(sim[inst.item_ids].isin(list(names))).astype("float"))


def test_a_column_mapping_keeps_the_qualtrics_preview_status(tmp_path, sim, inst):
    p = _qualtrics(tmp_path, sim, inst, status={0: "1", 1: "8"})
    m = tmp_path / "m.yaml"
    m.write_text("columns:\n  role: role\n")
    r = read_responses(p, inst, mapping=m)
    assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == {4: "preview", 5: "spam"}


def test_an_insights_era_import_id_row_is_a_header_row(tmp_path, sim, inst):
    p = _qualtrics(tmp_path, sim, inst, import_row="{'ImportId': 'QID%d'}")
    r = read_responses(p, inst)
    assert r.n_read == len(sim) and r.exclusions.empty


def test_two_mapping_columns_for_the_team_are_refused(tmp_path, inst):
    from copro_scale.responses.mapped import load_mapping

    with pytest.raises(CoproError, match="both map to 'team'"):
        load_mapping({"columns": {"Team": "team", "Unit": "team"}}, inst)


@pytest.mark.parametrize("damaged", [
    lambda k: "1.23457E+15",                       # a 16-digit id shown in scientific notation
    lambda k: f"1234567890123{k // 4}0000",       # 17 digits, the last ones lost to zeros
    lambda k: f"{k % 3 + 1}-Jan",                  # ids 1-1, 2-1, ... read as dates
])
def test_ids_damaged_by_excel_become_row_ids_with_a_warning(tmp_path, sim, inst, damaged):
    src = sim.copy()
    src["response_id"] = [damaged(k) for k in range(len(src))]
    p = tmp_path / "r.csv"
    src.to_csv(p, index=False)
    r = read_responses(p, inst)
    assert r.exclusions.empty
    assert r.data["response_id"].tolist() == [f"row{k}" for k in range(2, len(src) + 2)]
    assert any("column 'response_id' holds ids damaged by a spreadsheet" in w for w in r.warnings)


def test_true_repeats_stay_duplicate_ids(tmp_path, sim, inst):
    src = sim.copy()
    src["response_id"] = [f"R_{k // 2}" for k in range(len(src))]
    p = tmp_path / "r.csv"
    src.to_csv(p, index=False)
    r = read_responses(p, inst)
    assert set(r.exclusions["reason"]) == {"duplicate_id"}


def _lines(sim):
    return sim.to_csv(index=False).splitlines()


def test_a_separator_after_every_data_row_loses_nothing(tmp_path, sim, inst):
    lines = _lines(sim)
    p = tmp_path / "r.csv"
    p.write_text("\n".join([lines[0]] + [ln + "," for ln in lines[1:]]) + "\n")
    r = read_responses(p, inst)
    assert r.exclusions.empty and r.n_scored == len(sim)
    assert r.data[inst.item_ids].equals(read_responses(sim, inst).data[inst.item_ids])


@pytest.mark.parametrize("change, kind", [(lambda ln: ln.rsplit(",", 3)[0], "a short row: 38"),
                                          (lambda ln: ln + ",5", "a long row: 42")])
def test_a_short_or_long_row_is_named(tmp_path, sim, inst, change, kind):
    lines = _lines(sim)
    lines[4] = change(lines[4])
    p = tmp_path / "r.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(CoproError, match=f"row 5: {kind} fields where the header has 41"):
        read_responses(p, inst)


def test_blank_lines_do_not_shift_source_rows(tmp_path, sim, inst):
    lines = _lines(sim)
    lines[5] = lines[5].replace(",psw,", ",nobody,").replace(",clinical,", ",nobody,")
    p = tmp_path / "r.csv"
    p.write_text("\n".join(lines[:3] + ["", ""] + lines[3:]) + "\n")
    r = read_responses(p, inst)
    assert r.n_read == len(sim)
    assert r.exclusions["source_row"].tolist() == [8]  # line 6 of the file + the 2 blank lines


def test_months_written_with_a_unit_are_read_and_unreadable_ones_warned(tmp_path, sim, inst):
    src = sim.copy()
    src["months_in_role"] = ["6 months", "2 years", "12,5", "18"] * (len(src) // 4) + \
        ["3"] * (len(src) % 4)
    p = tmp_path / "r.csv"
    src.to_csv(p, index=False)
    r = read_responses(p, inst)
    assert r.data["months_in_role"].tolist()[:4] == [6, 24, pd.NA, 18]
    assert any("no whole number of months (first: '12,5')" in w for w in r.warnings)


def _copro(*args, stdin=None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "copro_scale.cli", *map(str, args)],
                          capture_output=True, text=True, stdin=stdin)


def test_an_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path, sim):
    import os

    p = tmp_path / "export.csv"
    sim.to_csv(p, index=False)
    before = p.read_bytes()
    os.symlink(p, tmp_path / "link.csv")
    for args in (["-o", p], ["--exclusions", tmp_path / "link.csv"],
                 ["-o", tmp_path / "s.csv", "--favourable", f"{tmp_path}/../{tmp_path.name}/export.csv"]):
        done = _copro("score", p, *args)
        assert done.returncode == 2 and "is the input file" in done.stderr, done.stderr
        assert p.read_bytes() == before


def test_a_fifo_and_stdin_are_read_once(tmp_path, sim, inst):
    import os
    import threading

    p = tmp_path / "export.csv"
    sim.to_csv(p, index=False)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(p.read_bytes()), daemon=True)
    writer.start()
    out = {}
    reader = threading.Thread(target=lambda: out.update(r=read_responses(fifo, inst)), daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # a reader opening the pipe a second time waits for a writer: free it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
    assert "r" in out and out["r"].n_scored == len(sim)
    with open(p) as fh:
        done = _copro("score", "-", stdin=fh)
    assert done.returncode == 0, done.stderr
    assert f"scored {len(sim)} + excluded 0" in done.stderr


@pytest.mark.parametrize("ending", ["\r", "mixed"])
def test_cr_only_and_mixed_line_endings_are_read(tmp_path, sim, inst, ending):
    lines = _lines(sim)
    text = ("\r".join(lines) if ending == "\r" else
            "".join(ln + ("\r\n" if k % 2 else "\n") for k, ln in enumerate(lines)))
    p = tmp_path / "r.csv"
    p.write_bytes(text.encode())
    r = read_responses(p, inst)
    assert r.n_scored == len(sim) and r.data[inst.item_ids].equals(read_responses(sim, inst).data[inst.item_ids])


def test_a_header_only_file_is_an_error(tmp_path, sim, inst):
    p = tmp_path / "r.csv"
    p.write_text(_lines(sim)[0] + "\n")
    with pytest.raises(CoproError, match="has a header but no responses"):
        read_responses(p, inst)


@pytest.mark.parametrize("name, data, advice", [
    ("r.csv.gz", b"\x1f\x8b\x08\x00rest", "gunzip"),
    ("r.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "save it as .xlsx"),
    ("r.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "save it as .xlsx without a password"),
    ("r.dta", b"<stata_dta><header>", "export it from Stata as CSV"),
    ("r.por", b"ASCII SPSS PORT FILE", "export it from SPSS as CSV"),
])
def test_binary_files_get_one_line_saying_what_to_do(tmp_path, inst, name, data, advice):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(CoproError, match=advice) as err:
        read_responses(p, inst)
    assert "\x00" not in str(err.value) and "\n" not in str(err.value)


def _teams_of(sim):
    return sorted(set(sim["team"]))


@pytest.mark.parametrize("kind", ["cp1252", "semicolon", "xlsx", "3.0"])
def test_team_lists_in_other_encodings_separators_and_xlsx(tmp_path, sim, inst, kind):
    teams = _teams_of(sim)
    p = tmp_path / "export.csv"
    src = sim.copy()
    src["team"] = src["team"].replace({teams[0]: "Équipe Sud"})
    names = ["Équipe Sud", *teams[1:]]
    if kind == "cp1252":
        src.to_csv(p, index=False, encoding="cp1252")
        tl = tmp_path / "teams.csv"
        tl.write_bytes(("team,psw\n" + "".join(f"{t},9\n" for t in names)).encode("cp1252"))
        r = read_responses(p, inst, teams=tl, encoding="cp1252")
    else:
        src.to_csv(p, index=False)
        if kind == "xlsx":
            tl = _xlsx(tmp_path, pd.DataFrame({"team": names, "psw": [9] * len(names)}), "teams.xlsx")
        else:
            tl = tmp_path / "teams.csv"
            sep, n = (";", "9") if kind == "semicolon" else (",", "9.0")
            tl.write_text(f"team{sep}psw\n" + "".join(f"{t}{sep}{n}\n" for t in names), "utf-8")
        r = read_responses(p, inst, teams=tl)
    assert r.exclusions.empty and sorted(set(r.data["team"])) == sorted(names)
    assert r.team_list["n_psw_expected"].tolist() == [9] * len(names)


def test_a_rate_above_100_percent_is_withdrawn_and_a_silent_team_named(tmp_path, sim, inst):
    teams = _teams_of(sim)
    psw = sim[sim["form"] == "psw"].groupby("team").size()
    tl = tmp_path / "teams.csv"
    tl.write_text("team,psw\n" + f"{teams[0]},{psw[teams[0]] - 1}\n"
                  + "".join(f"{t},{psw[t]}\n" for t in teams[1:]) + "Night Team,4\n")
    p = tmp_path / "export.csv"
    sim.to_csv(p, index=False)
    r = read_responses(p, inst, teams=tl)
    heads = r.team_list.set_index("team")["n_psw_expected"]
    assert heads.isna().tolist() == [True] + [False] * (len(teams) - 1) + [False]
    assert any("above 100 %" in w and teams[0] in w for w in r.warnings)
    assert any("no responses: 'Night Team'" in w for w in r.warnings)


def _fed_fifo(tmp_path, data: bytes, name="pipe"):
    """A named pipe that a thread writes ``data`` into once (and no more)."""
    import os
    import threading

    fifo = tmp_path / name
    os.mkfifo(fifo)
    threading.Thread(target=lambda: fifo.write_bytes(data), daemon=True).start()
    return fifo


def test_a_fifo_is_named_as_given_never_as_its_temporary_copy(tmp_path, sim):
    import subprocess
    import sys

    fifo = _fed_fifo(tmp_path, sim.to_csv(index=False).encode())
    done = subprocess.run([sys.executable, "-m", "copro_scale.cli", "score", str(fifo), "-o",
                           str(tmp_path / "s.csv")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"copro: {fifo} read as canonical" in done.stderr and "copro-" not in done.stderr
    bad = _lines(sim)
    bad[3] += ",5"
    fifo = _fed_fifo(tmp_path, ("\n".join(bad) + "\n").encode(), "pipe2")
    done = subprocess.run([sys.executable, "-m", "copro_scale.cli", "score", str(fifo), "-o",
                           str(tmp_path / "s.csv")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith(f"copro: error: {fifo}, row 4")
    assert "copro-" not in done.stderr


@pytest.mark.slow  # 5 s: a whole copro validate / report in a subprocess
def test_validate_reads_a_fifo_once_and_records_the_hash_of_its_bytes(tmp_path, sim):
    import hashlib
    import json
    import subprocess
    import sys

    data = sim.to_csv(index=False).encode()
    fifo = _fed_fifo(tmp_path, data)
    try:
        done = subprocess.run([sys.executable, "-m", "copro_scale.cli", "validate", str(fifo),
                               "-o", str(tmp_path / "v")], capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:  # hashing the pipe again waits for a second writer
        pytest.fail("copro validate opened the named pipe a second time")
    assert done.returncode == 0, done.stderr
    meta = json.loads((tmp_path / "v" / "validation.json").read_text())["meta"]
    assert meta["input_sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.slow  # 5 s: a whole copro validate / report in a subprocess
def test_an_earlier_wave_in_a_named_pipe_is_read_once_with_a_team_list(tmp_path, sim):
    import subprocess
    import sys

    now = tmp_path / "now.csv"
    sim.to_csv(now, index=False)
    tl = tmp_path / "teams.csv"
    tl.write_text("team\n" + "".join(f"{t}\n" for t in _teams_of(sim)))
    fifo = _fed_fifo(tmp_path, sim.to_csv(index=False).encode())
    try:
        done = subprocess.run([sys.executable, "-m", "copro_scale.cli", "report", str(now), "-o",
                               str(tmp_path / "out"), "--teams", str(tl), "--previous", str(fifo),
                               "--n-draws", "20"],
                              capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:  # a second read of the pipe waits for a second writer
        pytest.fail("copro report opened the earlier wave's named pipe a second time")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "index.html").exists()


def test_an_excel_separator_hint_line_is_named_with_what_to_do(tmp_path, sim, inst):
    p = tmp_path / "r.csv"
    p.write_text("sep=;\n" + sim.to_csv(index=False, sep=";"))
    with pytest.raises(CoproError, match=r"row 1: the first line 'sep=\.\.\.' is a separator hint "
                                         r"for Excel; delete that line") as err:
        read_responses(p, inst)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("titles", [1, 2])
def test_a_title_above_the_header_is_named_with_the_rows_to_delete(tmp_path, sim, inst, titles):
    p = tmp_path / "r.csv"
    p.write_text("Staff survey export,,\n" * titles + sim.to_csv(index=False))
    with pytest.raises(CoproError, match=fr"the header is on row {titles + 1}, below a title .*"
                                         fr"delete the {titles} row\(s\) above the header"):
        read_responses(p, inst)


def test_dev_stdin_fed_by_a_pipe_is_read_once(sim):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "copro_scale.cli", "score", "/dev/stdin"],
                          input=sim.to_csv(index=False), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"scored {len(sim)} + excluded 0" in done.stderr
    assert "copro: /dev/stdin read as canonical" in done.stderr


def test_a_wave_column_named_by_the_user_selects_or_refuses_the_waves(tmp_path, sim, inst):
    src = sim.copy()
    src.insert(1, "round", ["2025" if k % 3 == 0 else "2026" for k in range(len(src))])
    p = tmp_path / "r.csv"
    src.to_csv(p, index=False)
    assert read_responses(p, inst).n_scored == len(src)  # not named: an extra column
    with pytest.raises(CoproError, match=r"column 'round': holds answers from 2 waves in column "
                                         r"'round' \(2025: 6, 2026: 12\); pass --wave NAME"):
        read_responses(p, inst, wave_column="round")
    r = read_responses(p, inst, wave_column="round", wave="2026")
    assert dict(zip(r.exclusions["source_row"], r.exclusions["reason"])) == {
        k + 2: "other_wave" for k in range(0, len(src), 3)}
    done = _copro("score", p, "--wave-column", "round", "--wave", "2025", "-o", tmp_path / "s.csv")
    assert done.returncode == 0 and "scored 6 + excluded 12 (other_wave: 12)" in done.stderr
