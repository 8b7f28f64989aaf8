"""copro audit: it finds each scenario on outputs of the code before the fix (kept as fixtures,
written by tests/privacy/make_old_outputs.py at fde24e6) and nothing on outputs of the fixed code
for organisations it did not generate (tests/privacy/orgs.py)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from copro_scale.audit import audit
from copro_scale.audit.read import num
from copro_scale.cli import main

from .orgs import organisation

OLD = Path(__file__).resolve().parents[1] / "fixtures" / "audit"


def _groups(res) -> list[tuple[str, str]]:
    return [(d.kind, d.group) for d in res.disclosures]


@pytest.fixture(scope="module")
def old_k5():  # about 100 integer programs: 3 s on an idle core
    return audit([OLD / "one_run_k5"])


@pytest.mark.slow
def test_finds_the_lone_psw_items(old_k5):
    found = [g for k, g in _groups(old_k5) if k == "answers" and "Lone Team" in g]
    assert found and all(any(f"item {x}" in g for x in ("vid", "eid", "iid")) for g in found)
    d = next(d for d in old_k5.disclosures if "Lone Team" in d.group)
    assert d.high - d.low <= 1 + 1e-6 and d.low >= 1 - 1e-6  # keyed 1: unfavourable
    assert any("validation.json" in s for s in d.derivation)


@pytest.mark.slow
def test_finds_the_skipper(old_k5):
    d = next(d for d in old_k5.disclosures if "skipped" in d.group)
    assert d.low <= 2.0 <= d.high and d.high - d.low < 0.1  # the true cell score is 2.0


@pytest.mark.slow
def test_finds_the_missing_cell_contrast(old_k5):
    assert ("contrast", "team 'Team 03': respondents with a missing cell") in _groups(old_k5)


def test_finds_the_two_wave_difference():
    res = audit([OLD / "two_waves"])
    assert [d.kind for d in res.disclosures] == ["waves"]
    assert "Psychosis Service" in res.disclosures[0].group


@pytest.mark.slow  # 144 integer programs (about 15 s)
def test_finds_the_raised_threshold_leaks():
    groups = _groups(audit([OLD / "one_run_k6"]))
    assert any(k == "answers" and "Lone Team' (below threshold)" in g for k, g in groups)
    assert ("count", "team 'Five Team' psw form") in groups


def test_cli_prints_derivations_and_exits_1(capsys):
    with contextlib.redirect_stderr(io.StringIO()):
        code = main(["audit", str(OLD / "two_waves")])
    out = capsys.readouterr().out
    assert code == 1 and out.startswith("DISCLOSED (waves)") and "    from " in out


def test_printed_precision():
    assert num("3.06").half == pytest.approx(0.005) and num("30%", percent=True).half == pytest.approx(0.005)
    assert num(3.0, decimals=2).half == pytest.approx(0.005) and num(3.0).half < 1e-8
    assert num("–") is None and num(None) is None


def _run(*argv) -> int:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        return main([str(a) for a in argv])


@pytest.mark.slow  # a report and an audit per example
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(1000, 10**6))
def test_nothing_on_fixed_outputs_of_generated_organisations(tmp_path_factory, seed):
    d = tmp_path_factory.mktemp("org")
    organisation(seed, n_teams=5).to_csv(d / "r.csv", index=False)
    assert _run("report", d / "r.csv", "-o", d / "out" / "report", "--n-boot", "50") == 0
    assert _run("score", d / "r.csv", "-o", d / "s.csv", "--favourable", d / "out" / "fav.csv") == 0
    res = audit([d / "out"])
    assert res.disclosures == [], "\n".join(map(str, res.disclosures))


def test_finds_the_respondent_missing_a_cell():
    # one PSW of Team 01 left the voice x decision cell blank (scenarios.missing_cell); their
    # 12 keyed answers sum to 35 on non-decision-making items and 18 on ideological ones
    res = audit([OLD / "missing_cell"])
    found = {d.group.rsplit(", ", 1)[1]: (d.low, d.high) for d in res.disclosures
             if d.group.startswith("psw form: the 1 respondent(s) with a missing cell")}
    assert found.keys() == {"non_decision_making items", "ideological items"}
    for (lo, hi), truth in zip(found.values(), (35, 18)):
        assert lo <= truth <= hi and hi - lo <= 12


@pytest.mark.slow  # a report, a validation and an audit
def test_nothing_on_the_fixed_outputs_of_the_respondent_missing_a_cell(tmp_path):
    from .scenarios import missing_cell

    missing_cell().to_csv(tmp_path / "r.csv", index=False)
    assert _run("report", tmp_path / "r.csv", "-o", tmp_path / "out" / "report", "--n-boot", "50") == 0
    assert _run("validate", tmp_path / "r.csv", "-o", tmp_path / "out" / "validation") == 0
    res = audit([tmp_path / "out"])
    assert res.disclosures == [], "\n".join(map(str, res.disclosures))
