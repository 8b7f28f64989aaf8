"""Opening, counting and closing waves; invitations.csv; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import stat

import pytest
from sqlalchemy import select, text

from copro_scale.cli import main
from copro_scale.responses.teams import read_team_list
from copro_scale.serve import store, waves
from copro_scale.serve.store import (
    Invitation,
    Wave,
    engine_for,
    hash_token,
    session_factory,
)

TEAMS = ("team,aliases,n_psw_expected,n_colleague_expected\n"
         "Ward A,A ward;WA,2,5\n"
         "Ward B,,1,3\n"
         "Ward C,,0,2\n")


@pytest.fixture
def teams_csv(tmp_path):
    path = tmp_path / "teams.csv"
    path.write_text(TEAMS, encoding="utf-8")
    return path


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _open(db_url, tmp_path, teams_csv, *extra):
    return main(["wave", "open", "2026-spring", "--db", db_url, "--teams", str(teams_csv),
                 "--base-url", "https://survey.example.org", "-o", str(tmp_path / "inv.csv"), *extra])


def test_open_issues_one_single_link_per_expected_respondent(db_url, tmp_path, teams_csv, capsys):
    assert _open(db_url, tmp_path, teams_csv) == 0
    rows = _rows(tmp_path / "inv.csv")
    per = {}
    for r in rows:
        per[(r["team"], r["form"])] = per.get((r["team"], r["form"]), 0) + 1
    assert per == {("Ward A", "psw"): 2, ("Ward A", "colleague"): 5, ("Ward B", "psw"): 1,
                   ("Ward B", "colleague"): 3, ("Ward C", "colleague"): 2}
    assert {r["kind"] for r in rows} == {"single"}
    assert stat.S_IMODE((tmp_path / "inv.csv").stat().st_mode) == 0o600
    tokens = [r["link"].removeprefix("https://survey.example.org/s/") for r in rows]
    assert len(set(tokens)) == 13 and all(len(t) == 43 for t in tokens)
    engine = engine_for(db_url)
    with session_factory(engine)() as s:
        hashes = set(s.execute(select(Invitation.token_hash)).scalars())
        assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
        dump = " ".join(str(v) for table in ("waves", "invitations")
                        for row in s.execute(text(f"SELECT * FROM {table}")) for v in row)
    engine.dispose()
    assert not any(t in dump for t in tokens)  # the database holds hashes only
    out = capsys.readouterr()
    assert not any(t in out.out + out.err for t in tokens)  # nor does the terminal
    assert "13 single-use links for 3 team(s), threshold 5" in out.err


def test_open_links_one_per_team_and_form_with_people_in_it(db_url, tmp_path, teams_csv):
    assert _open(db_url, tmp_path, teams_csv, "--open") == 0
    rows = _rows(tmp_path / "inv.csv")
    assert sorted((r["team"], r["form"], r["kind"]) for r in rows) == [
        ("Ward A", "colleague", "open"), ("Ward A", "psw", "open"),
        ("Ward B", "colleague", "open"), ("Ward B", "psw", "open"),
        ("Ward C", "colleague", "open")]


def test_the_wave_keeps_its_team_list_as_given(session, tmp_path, teams_csv):
    wave, _ = waves.open_wave(session, "w", teams=teams_csv)
    session.commit()
    again, given = waves.team_list_of(session.get(Wave, wave.id)), read_team_list(teams_csv)
    assert again.teams == given.teams and again.keys == given.keys
    assert again.headcounts.equals(given.headcounts)
    assert again.match("wa") == "Ward A"


@pytest.mark.parametrize("content, message", [
    ("team,n_psw_expected\nWard A,2\n", "team 'Ward A' has no colleague headcount"),
    ("team,aliases,n_psw_expected,n_colleague_expected\nWard A,,0,0\n", "no links to issue"),
    ("team\n", "lists no teams"),
])
def test_team_lists_that_cannot_give_links_are_refused(db_url, tmp_path, content, message, capsys):
    (tmp_path / "t.csv").write_text(content, encoding="utf-8")
    assert _open(db_url, tmp_path, tmp_path / "t.csv") == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "inv.csv").exists()
    engine = engine_for(db_url)
    with session_factory(engine)() as s:  # nothing half-made
        assert s.execute(select(Wave)).first() is None
    engine.dispose()


@pytest.mark.parametrize("staff, message", [
    ("email,team,form\nann@x.org,Ward Z,psw\n", "staff.csv, row 2, column 'team': team 'Ward Z' is not in the team list"),
    ("email,team,form\nann@x.org,WA,psw\nANN@x.org,Ward B,colleague\n", "row 3, column 'email': 'ANN@x.org' is listed twice"),
    ("email,team,form\nann-at-x.org,WA,psw\n", "row 2, column 'email': 'ann-at-x.org' is not an email address"),
    ("email,team,form\nann@x.org,WA,nurse\n", "row 2, column 'form': form 'nurse' is neither psw nor colleague"),
    ("mail,team,form\n", "'email' is missing"),
])
def test_staff_list_mistakes_name_file_row_and_column(db_url, tmp_path, teams_csv, staff, message, capsys):
    (tmp_path / "staff.csv").write_text(staff, encoding="utf-8")
    assert _open(db_url, tmp_path, teams_csv, "--emails", str(tmp_path / "staff.csv")) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_staff_list_gives_one_link_per_person_matched_by_alias(db_url, tmp_path, teams_csv):
    (tmp_path / "staff.csv").write_text(
        "email,team,form\nann@x.org,a ward,PSW\nbob@x.org,Ward B,colleague\n", encoding="utf-8")
    assert _open(db_url, tmp_path, teams_csv, "--emails", str(tmp_path / "staff.csv")) == 0
    rows = _rows(tmp_path / "inv.csv")
    assert [(r["email"], r["team"], r["form"]) for r in rows] == [
        ("ann@x.org", "Ward A", "psw"), ("bob@x.org", "Ward B", "colleague")]


def test_open_never_overwrites_links_and_writes_both_or_neither(db_url, tmp_path, teams_csv, capsys):
    (tmp_path / "inv.csv").write_text("links of another wave\n")
    assert _open(db_url, tmp_path, teams_csv) == 2
    assert "inv.csv: already exists" in capsys.readouterr().err
    assert (tmp_path / "inv.csv").read_text() == "links of another wave\n"
    assert main(["wave", "open", "w2", "--db", db_url, "--teams", str(teams_csv), "--base-url",
                 "https://s.example.org", "-o", str(tmp_path / "inv.csv" / "x.csv")]) == 2
    assert "cannot write the links file here" in capsys.readouterr().err
    engine = engine_for(db_url)
    with session_factory(engine)() as s:
        assert s.execute(select(Wave)).first() is None
    engine.dispose()


def test_open_refuses_a_lowered_threshold_a_repeated_label_and_a_bad_address(db_url, tmp_path, teams_csv, capsys):
    assert _open(db_url, tmp_path, teams_csv, "--min-responses", "3") == 2
    assert "3 is below the threshold of 5" in capsys.readouterr().err
    assert main(["wave", "open", "x", "--db", db_url, "--teams", str(teams_csv), "--base-url",
                 "survey.example.org"]) == 2
    assert "is not an http:// or https:// address" in capsys.readouterr().err
    assert _open(db_url, tmp_path, teams_csv, "--min-responses", "7") == 0
    (tmp_path / "inv.csv").unlink()
    assert _open(db_url, tmp_path, teams_csv) == 2
    assert "wave '2026-spring' already exists (open" in capsys.readouterr().err


def test_counts_show_only_what_the_disclosure_plan_allows(opened_wave, tmp_path):
    engine = engine_for(opened_wave.url)
    sessions = session_factory(engine)

    def submit(token, n=1):
        with sessions() as s:
            for _ in range(n):
                store.submit(s, draft_key_hash=None, invitation_token_hash=hash_token(token),
                             answers={}, role=None, months=None)

    # Ward A: 2 PSWs and 4 colleagues (6, visible; forms below 5, so no split);
    # Ward B: 3 responses (hidden).
    for t in opened_wave.tokens[("Ward A", "psw")]:
        submit(t)
    for t in opened_wave.tokens[("Ward A", "colleague")][:4]:
        submit(t)
    submit(opened_wave.open_tokens[("Ward B", "colleague")], 3)
    with sessions() as s:
        counts = waves.visible_counts(s, store.wave_by_label(s, opened_wave.label))
    # both of Ward A's forms below 5: neither is shown (two bounds with the total would meet)
    assert counts.teams == [
        {"team": "Ward A", "parent": None, "total": "6", "psw": "not shown",
         "colleague": "not shown"},
        {"team": "Ward B", "parent": None, "total": "fewer than 5", "psw": None,
         "colleague": None}]
    # 3 hidden respondents (1-4) are left out of the organisation: 6, not 9
    assert counts.organisation == "6"
    # both forms of Ward A at 5: the split shows
    submit(opened_wave.open_tokens[("Ward A", "psw")], 3)
    submit(opened_wave.tokens[("Ward A", "colleague")][4])
    with sessions() as s:
        counts = waves.visible_counts(s, store.wave_by_label(s, opened_wave.label))
    assert counts.teams[0] == {"team": "Ward A", "parent": None, "total": "10", "psw": "5",
                               "colleague": "5"}
    assert counts.parents == []
    engine.dispose()


PARENTS = ("team,n_psw_expected,n_colleague_expected,parent\n"
           "Ward A,4,6,Acute > Inpatient\n"
           "Ward B,1,2,Acute > Rehab\n"
           "Ward C,1,2,Acute > Rehab\n"
           "Home D,3,3,Community > Day\n"
           "Home F,1,2,Community > Day\n"
           "Home E,1,2,Community\n"
           "Home G,1,2,Community\n")


def _counts_when_everyone_answers(db_url, teams, **open_options):
    """The live counts of a wave opened on ``teams`` once every invitation has answered."""
    engine = engine_for(db_url)
    with session_factory(engine)() as s:
        _, issued = waves.open_wave(s, "w", teams=teams, **open_options)
        s.commit()
        for i in issued:
            store.submit(s, draft_key_hash=None, invitation_token_hash=hash_token(i.token),
                         answers={}, role=None, months=None)
        counts = waves.visible_counts(s, store.wave_by_label(s, "w"))
    engine.dispose()
    return counts


def test_live_counts_show_a_parent_only_where_it_gives_no_hidden_team_away(db_url, tmp_path,
                                                                            capsys):
    # Every link answered (k = 5): Ward A 10, Home D 6, the five other teams 3 each (hidden).
    # By hand: Community > Day (9) minus Home D (6) would give Home F's 3: not shown.
    # Acute (16) = Inpatient (Ward A, 10) + Rehab (Wards B and C, 6); Community (15) minus
    # Home D leaves Homes E, F and G together (9); the organisation (31) is Acute + Community.
    (tmp_path / "t.csv").write_text(PARENTS, encoding="utf-8")
    counts = _counts_when_everyone_answers(db_url, tmp_path / "t.csv")
    assert [(r["team"], r["total"]) for r in counts.teams] == [
        ("Ward A", "10"), ("Ward B", "fewer than 5"), ("Ward C", "fewer than 5"),
        ("Home D", "6"), ("Home F", "fewer than 5"), ("Home E", "fewer than 5"),
        ("Home G", "fewer than 5")]
    assert counts.teams[0]["parent"] == "Acute > Inpatient"
    assert [(r["parent"], r["depth"], r["total"]) for r in counts.parents] == [
        ("Acute", 0, "16"), ("Acute > Inpatient", 1, "10"), ("Acute > Rehab", 1, "6"),
        ("Community", 0, "15"), ("Community > Day", 1, "not shown")]
    assert counts.organisation == "31"
    assert main(["wave", "status", "w", "--db", db_url]) == 0
    out = capsys.readouterr().out
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert lines[lines.index("service or directorate responses") + 1:][:6] == [
        "Acute 16", "Inpatient 10", "Rehab 6", "Community 15", "Day not shown",
        "organisation 31"]
    assert not {"9", "3"} & set(out.split())


def test_close_ends_the_wave_once(opened_wave, capsys):
    argv = ["wave", "close", opened_wave.label, "--db", opened_wave.url]
    assert main(argv) == 0
    assert main(argv) == 2
    assert "was already closed on" in capsys.readouterr().err
    assert main(["wave", "status", opened_wave.label, "--db", opened_wave.url]) == 0
    out = capsys.readouterr().out
    assert "(closed, opened" in out and "fewer than 5" in out


def test_a_raised_threshold_does_not_let_the_total_give_a_hidden_team_away(db_url, tmp_path):
    # k = 7 above the promise of 5: Ward B's 6 respondents are pooled (>= 5) but hidden (< 7);
    # the exact total (14) minus Ward A (8) would say Ward B has 6.
    (tmp_path / "t.csv").write_text("team,n_psw_expected,n_colleague_expected\n"
                                    "Ward A,4,4\nWard B,3,3\n", encoding="utf-8")
    counts = _counts_when_everyone_answers(db_url, tmp_path / "t.csv", min_responses=7)
    assert [r["total"] for r in counts.teams] == ["8", "fewer than 7"]
    assert counts.organisation == "at least 8"


def test_invite_adds_people_to_an_open_wave_once(db_url, tmp_path, teams_csv, capsys):
    (tmp_path / "staff.csv").write_text("email,team,form\nann@x.org,WA,psw\n", encoding="utf-8")
    assert _open(db_url, tmp_path, teams_csv, "--emails", str(tmp_path / "staff.csv")) == 0
    (tmp_path / "more.csv").write_text("email,team,form\neve@x.org,Ward C,colleague\n"
                                       "fay@x.org,ward b,psw\n", encoding="utf-8")
    invite = ["wave", "invite", "2026-spring", "--db", db_url, "--emails",
              str(tmp_path / "more.csv"), "--base-url", "https://survey.example.org"]
    assert main([*invite, "-o", str(tmp_path / "more-links.csv")]) == 0
    rows = _rows(tmp_path / "more-links.csv")
    assert [(r["email"], r["team"], r["form"]) for r in rows] == [
        ("eve@x.org", "Ward C", "colleague"), ("fay@x.org", "Ward B", "psw")]
    assert main([*invite, "-o", str(tmp_path / "again.csv")]) == 2
    assert "'eve@x.org' (2 address(es) in all) already has a link" in capsys.readouterr().err
    assert not (tmp_path / "again.csv").exists()
    assert main(["wave", "list", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "2026-spring" in out and out.split()[-1] == "3"  # 1 + 2 links
    assert main(["wave", "close", "2026-spring", "--db", db_url]) == 0
    assert main([*invite, "-o", str(tmp_path / "late.csv")]) == 2
    assert "is closed; open a new wave" in capsys.readouterr().err
