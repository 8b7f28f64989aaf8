"""The validation page and the terminal headline: tidy tables, numbers for people."""

from __future__ import annotations

import re

from copro_scale.simulate import simulate, write_simulation


def test_copro_validate_prints_five_lines_and_a_tidy_page(tmp_path, capsys):
    from copro_scale.cli import main

    f = tmp_path / "study.csv"
    write_simulation(simulate(24, 8, seed=3, psw_share=0.5), f)
    assert main(["validate", str(f), "-o", str(tmp_path / "v")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 5
    assert out[0].startswith("PCP-PSW v") and out[1].startswith("Reliability:")
    assert out[3].startswith("Invariance between forms:")
    html = (tmp_path / "v" / "validation.html").read_text()
    assert not re.search(r"\b\d+\.000\b", html)  # no "df 1116.000" or "converged 1.000"
    assert "voice.decision_making" not in html and "Voice × decision-making" in html
    assert "<main id=\"content\"" in html and "In five lines" in html


def test_agreement_flags_a_negative_icc2_and_names_a_face_not_computed():
    from copro_scale import load_instrument
    from copro_scale.reports.validation_page import headline, validation_context

    ok = {"median_rwg_j": 0.5, "share_rwg_j_meets": 0.5, "median_ad_j": 0.7, "share_ad_j_meets": 0.5}
    doc = {"sample": {"analysed": 40}, "forms": {}, "invariance": {"skipped": "x"}, "cutoffs": {},
           "agreement": {"n_teams": 6, "teams_below_threshold": 0, "faces": {
               "decision_making": {"n_teams": 2, "icc1": -0.23, "icc2": -15.0, **ok},
               "non_decision_making": {"n_teams": 6, "icc1": 0.2, "icc2": 0.75, **ok},
               "ideological": {"skipped": "not computed: too few"}}}}
    inst = load_instrument()
    rows = validation_context(doc, inst)["agreement"]["faces"]
    assert [(r["n_teams"], r["icc2"], r["negative"]) for r in rows[:2]] == [("2", "−15.00", True),
                                                                          ("6", "0.75", False)]
    assert rows[2]["skipped"] == "not computed: too few"
    assert headline(doc, inst)[4] == ("Agreement within teams: ICC(2) −15.00 to 0.75 over 2 to 6 "
                                      "teams (.70 or more: team means can be compared; below 0: no "
                                      "agreement within teams); 1 face(s) not computed.")
