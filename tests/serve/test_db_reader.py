"""Responses collected in the database read, score and report exactly as the same answers in a
canonical CSV (the independent oracle: the file reader), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from copro_scale import load_instrument, read_responses
from copro_scale.cli import main
from copro_scale.responses.database import earlier_waves, read_wave
from copro_scale.scoring import score
from copro_scale.serve import store, waves
from copro_scale.serve.store import engine_for, hash_token, session_factory
from copro_scale.simulate import simulate

INST = load_instrument()
META = ["team", "role", "form", "months_in_role"]


def _answers_frame(seed: int) -> pd.DataFrame:
    """Simulated answers with some don't-know (9) on the colleague form and some gaps."""
    frame = simulate(4, 7, seed=seed).responses
    rng = np.random.default_rng(seed)
    items = list(INST.item_ids)
    colleague = (frame["form"] == "colleague").to_numpy()
    for item in items[:6]:
        dk = colleague & (rng.random(len(frame)) < 0.15)
        frame.loc[dk, item] = 9
    return frame


def _teams_csv(frame: pd.DataFrame, path) -> None:
    counts = Counter(zip(frame["team"], frame["form"]))
    lines = ["team,aliases,n_psw_expected,n_colleague_expected"]
    for team in sorted(set(frame["team"])):
        lines.append(f"{team},,{counts[(team, 'psw')]},{counts[(team, 'colleague')]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _collect(url, label, frame, teams_csv, *, close=True) -> None:
    """Open a wave and submit each row through its own single-use link, as the app does."""
    engine = engine_for(url)
    sessions = session_factory(engine)
    with sessions() as s:
        _, issued = waves.open_wave(s, label, teams=teams_csv)
        s.commit()
    links = {}
    for i in issued:
        links.setdefault((i.team, i.form), []).append(i.token)
    with sessions() as s:
        for row in frame.itertuples(index=False):
            r = row._asdict()
            answers = {i: int(r[i]) for i in INST.item_ids if not pd.isna(r[i])}
            token = links[(r["team"], r["form"])].pop()
            store.submit(s, draft_key_hash=None, invitation_token_hash=hash_token(token),
                         answers=answers, role=r["role"], months=int(r["months_in_role"]))
        if close:
            waves.close_wave(s, label)
    engine.dispose()


def _in_stored_order(frame: pd.DataFrame, url, label) -> pd.DataFrame:
    """``frame``'s rows in the order of the database's response ids, matched by content (plain
    SQL, not the reader under test)."""
    from sqlalchemy import text

    def key(team, form, role, months, answers):
        return (team, form, role, int(months), tuple(sorted(answers.items())))

    engine = engine_for(url)
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT r.team, r.form, r.role, r.months_in_role, r.answers FROM responses r "
            "JOIN waves w ON w.id = r.wave_id WHERE w.label = :l ORDER BY r.id"), {"l": label}).all()
    engine.dispose()
    rows = {}
    for i, r in enumerate(frame.to_dict("records")):
        answers = {item: int(r[item]) for item in INST.item_ids if not pd.isna(r[item])}
        rows.setdefault(key(r["team"], r["form"], r["role"], r["months_in_role"], answers), []).append(i)
    order = [rows[key(t, f, ro, m, json.loads(a))].pop() for t, f, ro, m, a in stored]
    assert sorted(order) == list(range(len(frame)))
    return frame.iloc[order]


def _canonical(data: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in data.columns if c != "response_id"]
    return data[cols].sort_values(cols, kind="stable").reset_index(drop=True)


def test_a_wave_reads_and_scores_as_the_same_answers_in_a_csv(db_url, tmp_path):
    frame = _answers_frame(seed=3)
    _teams_csv(frame, tmp_path / "teams.csv")
    frame.to_csv(tmp_path / "wave.csv", index=False)
    _collect(db_url, "2026-spring", frame, tmp_path / "teams.csv")

    db = read_wave(db_url, "2026-spring")
    csv = read_responses(tmp_path / "wave.csv", teams=tmp_path / "teams.csv")
    assert db.format == "database" and db.n_read == csv.n_read == len(frame)
    assert len(db.exclusions) == len(csv.exclusions) == 0
    pd.testing.assert_frame_equal(_canonical(db.data), _canonical(csv.data))
    pd.testing.assert_frame_equal(db.team_list, csv.team_list)
    pd.testing.assert_frame_equal(_canonical(score(db)), _canonical(score(csv)))
    # nine (don't know) reached the database and reads as no answer on the colleague form
    assert (frame[list(INST.item_ids)[:6]] == 9).fillna(False).to_numpy().sum() > 0


def test_report_from_the_database_equals_the_report_from_csv_files(db_url, tmp_path):
    first, second = _answers_frame(seed=4), _answers_frame(seed=5)
    _teams_csv(pd.concat([first, second]), tmp_path / "teams.csv")
    _collect(db_url, "2025-autumn", first, tmp_path / "teams.csv")
    _collect(db_url, "2026-spring", second, tmp_path / "teams.csv")
    # The files list the rows in the order the database holds them (by random id), so that sums
    # run in the same order and agree to the last bit (a colour on a page can turn on it).
    _in_stored_order(first, db_url, "2025-autumn").to_csv(tmp_path / "2025-autumn.csv", index=False)
    _in_stored_order(second, db_url, "2026-spring").to_csv(tmp_path / "2026-spring.csv", index=False)
    assert earlier_waves(db_url, "2026-spring") == ["2025-autumn"]
    assert earlier_waves(db_url, "2025-autumn") == []

    common = ["--n-draws", "200", "--organisation", "Trust X"]
    assert main(["report", "--db", db_url, "--wave", "2026-spring", "-o", str(tmp_path / "db"),
                 *common]) == 0
    assert main(["report", str(tmp_path / "2026-spring.csv"), "--teams", str(tmp_path / "teams.csv"),
                 "--previous", str(tmp_path / "2025-autumn.csv"), "--wave", "2026-spring",
                 "-o", str(tmp_path / "files"), *common]) == 0
    # Every page and table is the same, but for the hash of the rows read, whose response ids
    # differ (random ids in the database, the simulation's in the files), and the output
    # folder's marker, which holds the time it was written.
    hashes = [json.loads((tmp_path / d / "summary.json").read_text())["meta"]["input_hash"]
              for d in ("db", "files")]
    pages = sorted(p.relative_to(tmp_path / "files") for p in (tmp_path / "files").rglob("*")
                   if p.is_file() and p.name != ".copro-output")
    assert pages == sorted(p.relative_to(tmp_path / "db") for p in (tmp_path / "db").rglob("*")
                           if p.is_file() and p.name != ".copro-output")
    assert any(p.suffix == ".html" for p in pages) and len(pages) > 5
    for page in pages:
        a = (tmp_path / "db" / page).read_text(encoding="utf-8").replace(hashes[0], "HASH")
        b = (tmp_path / "files" / page).read_text(encoding="utf-8").replace(hashes[1], "HASH")
        assert a == b, page
    assert "2025-autumn" in (tmp_path / "db" / "summary.json").read_text()  # the earlier wave


def test_score_reads_an_open_wave_but_report_and_validate_refuse_it(db_url, tmp_path, capsys):
    frame = _answers_frame(seed=6)
    _teams_csv(frame, tmp_path / "teams.csv")
    _collect(db_url, "open-wave", frame, tmp_path / "teams.csv", close=False)
    assert main(["score", "--db", db_url, "--wave", "open-wave", "-o", str(tmp_path / "s.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "s.csv")) == len(frame)
    for argv in (["report", "-o", str(tmp_path / "r")], ["validate", "-o", str(tmp_path / "v")],
                 ["score", "--favourable", str(tmp_path / "f.csv")]):
        assert main([*argv, "--db", db_url, "--wave", "open-wave"]) == 2
        assert "is still open; close it first with `copro wave close open-wave`" in capsys.readouterr().err
    assert not (tmp_path / "r").exists() and not (tmp_path / "f.csv").exists()


@pytest.mark.parametrize("argv, message", [
    (["score", "--db", "{db}"], "--db needs --wave LABEL"),
    (["score", "--db", "{db}", "--wave", "nope"], "no wave 'nope' in the database (waves: none yet"),
    (["score", "x.csv", "--db", "{db}", "--wave", "w"], "either an export file or --db, not both"),
    (["score", "--db", "{db}", "--wave", "w", "--format", "qualtrics"], "--format is for export files"),
    (["score"], "give the export file to read, or --db URL --wave LABEL"),
    (["score", "--db", "mysql://x/y", "--wave", "w"], "only sqlite:// and postgresql://"),
])
def test_database_input_mistakes_are_one_line_errors(db_url, argv, message, capsys):
    assert main([a.format(db=db_url) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_database_from_before_the_schema_is_refused_with_the_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["score", "--db", url, "--wave", "w"]) == 2
    assert f"run `copro db upgrade --db {url}` first" in capsys.readouterr().err
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "schema (empty) -> 0001" in capsys.readouterr().err


def test_validate_from_the_database_equals_validate_from_the_csv(db_url, tmp_path):
    frame = _answers_frame(seed=7)
    _teams_csv(frame, tmp_path / "teams.csv")
    frame.to_csv(tmp_path / "wave.csv", index=False)
    _collect(db_url, "2026-spring", frame, tmp_path / "teams.csv")
    assert main(["validate", "--db", db_url, "--wave", "2026-spring", "-o", str(tmp_path / "db")]) == 0
    assert main(["validate", str(tmp_path / "wave.csv"), "--teams", str(tmp_path / "teams.csv"),
                 "-o", str(tmp_path / "files")]) == 0
    db, files = (json.loads((tmp_path / d / "validation.json").read_text()) for d in ("db", "files"))
    assert db["meta"].pop("input_sha256") != files["meta"].pop("input_sha256")
    db["meta"].pop("created", None), files["meta"].pop("created", None)
    # Rows come in another order (random ids), so sums may differ in the last bits.
    assert _rounded(db) == _rounded(files)


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.10g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_rows_the_database_should_not_hold_are_logged_not_lost(opened_wave):
    """A tampered or hand-edited database: every row is kept or excluded with its reason."""
    engine = engine_for(opened_wave.url)
    good = {i: 3 for i in INST.item_ids}
    with session_factory(engine)() as s:
        wave = store.wave_by_label(s, opened_wave.label)
        s.add_all([
            store.Response(wave_id=wave.id, team="Ward A", form="colleague", role="clinical",
                           answers=good),
            store.Response(wave_id=wave.id, team="Ward A", form="colleague", role="clinical",
                           answers={**good, "vdm1": 7}),
            store.Response(wave_id=wave.id, team="Ward A", form="colleague", role="astronaut",
                           answers=good),
            store.Response(wave_id=wave.id, team="Ward Z", form="psw", role="psw", answers=good),
            store.Response(wave_id=wave.id, team="Ward B", form="psw", role="psw", answers={}),
        ])
        s.commit()
    engine.dispose()
    r = read_wave(opened_wave.url, opened_wave.label)
    assert r.n_read == 5 and len(r.data) == 1
    assert r.reason_counts() == {"unknown_team": 1, "unknown_role": 1, "out_of_range": 1,
                                 "no_answers": 1}
