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
