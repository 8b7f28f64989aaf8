"""`copro demo` runs every stage end to end and says where things are."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from copro_scale.cli import main


@pytest.mark.slow  # 13 s (the battery on 113 responses); `make demo` runs the same
def test_demo_runs_every_stage(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    for name in ("instrument.json", "responses.csv", "truth.csv", "scores.csv", "exclusions.csv",
                 "reports/index.html", "reports/summary.json", "validation/validation.html",
                 "validation/validation.json", "survey"):
        assert (out / name).exists(), name
        assert str(out / name.split("/")[0]) in said
    assert "rows read 113 = scored 113 + excluded 0" in said
    # the small team is below the threshold: named, but nothing about it is shown
    summary = json.loads((out / "reports" / "summary.json").read_text())
    small = [t for t in summary["teams"] if t["suppressed"]]
    assert len(small) == 1 and small[0]["type"] == "suppressed"
    assert small[0].get("faces") is None and small[0].get("probabilities") is None
    scores = pd.read_csv(out / "scores.csv")
    assert len(scores) == 113
