"""The CLI package: one set of input options for every command that reads responses."""

import pytest

from copro_scale.cli import build_parser

INPUT_OPTIONS = {"--format", "--mapping", "--encoding", "--sheet", "--instrument", "--teams"}


def _options(command: str) -> dict[str, object]:
    sub = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command")
    return {s: a for a in sub.choices[command]._actions for s in a.option_strings}


@pytest.mark.parametrize("command", ["score", "validate", "report"])
def test_every_reading_command_offers_the_same_input_options(command):
    options = _options(command)
    assert INPUT_OPTIONS <= set(options)
    assert options["--format"].choices == _options("score")["--format"].choices


def test_validate_and_report_read_with_the_given_encoding(tmp_path, capsys):
    from copro_scale.cli import main
    from copro_scale.simulate import simulate

    path = tmp_path / "r.csv"
    data = simulate(3, 6, seed=1).responses
    data["team"] = data["team"].where(data["team"] != data["team"].iloc[0], "Équipe Nord")
    data.to_csv(path, index=False, encoding="cp1252")
    for command in ("validate", "report"):
        out = tmp_path / command
        assert main([command, str(path), "-o", str(out), "--encoding", "cp1252",
                     "--format", "canonical", *(["--n-boot", "20"] if command == "report" else [])]) == 0
    assert (tmp_path / "validate" / "validation.json").exists()
    assert "Équipe Nord" in (tmp_path / "report" / "summary.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("option", ["-o", "--exclusions", "--favourable"])
def test_score_never_writes_through_a_planted_link(tmp_path, option):
    from copro_scale.cli import main
    from copro_scale.simulate import simulate

    path = tmp_path / "r.csv"
    simulate(2, 6, seed=1).responses.to_csv(path, index=False)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "planted.csv").symlink_to(victim)
    planted = str(tmp_path / "planted.csv")
    args = ["score", str(path), "-o", planted if option == "-o" else str(tmp_path / "s.csv")]
    if option != "-o":
        args += [option, planted]
    assert main(args) == 0
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "planted.csv").is_symlink()


def test_instrument_export_never_writes_through_a_planted_link(tmp_path):
    from copro_scale.cli import main

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "planted.csv").symlink_to(victim)
    assert main(["instrument", "export", "--format", "redcap", "-o", str(tmp_path / "planted.csv")]) == 0
    assert victim.read_text() == "keep me"
    assert "Variable / Field Name" in (tmp_path / "planted.csv").read_text()


def test_report_honours_a_custom_instrument_that_promises_three(tmp_path):
    from copro_scale.cli import main
    from copro_scale.instrument import default_instrument_path
    from copro_scale.simulate import simulate

    yaml_text = default_instrument_path().read_text(encoding="utf-8")
    assert "min_responses: 5" in yaml_text
    custom = tmp_path / "three.yaml"
    custom.write_text(yaml_text.replace("min_responses: 5", "min_responses: 3"), encoding="utf-8")
    path = tmp_path / "r.csv"
    simulate(3, 4, seed=2).responses.to_csv(path, index=False)
    assert main(["report", str(path), "-o", str(tmp_path / "out"), "--instrument", str(custom),
                 "--n-boot", "50"]) == 0
    import pandas as pd

    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert len(summary) == 3 and not summary["suppressed"].any()  # 4 respondents >= 3


def test_favourable_refuses_drop_flagged(tmp_path, capsys):
    """Team percentages with and without a flagged respondent would give that person's answers."""
    from copro_scale.cli import main
    from copro_scale.simulate import simulate

    path = tmp_path / "r.csv"
    simulate(2, 12, seed=1).responses.to_csv(path, index=False)
    assert main(["score", str(path), "-o", str(tmp_path / "s.csv"), "--favourable",
                 str(tmp_path / "f.csv"), "--drop-flagged"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "--drop-flagged" in err
    assert not (tmp_path / "f.csv").exists()


def test_format_choices_are_the_readers():
    from copro_scale.cli.options import FORMATS
    from copro_scale.responses import READERS

    assert FORMATS == ("auto", *READERS, "sav")


def test_help_and_the_package_import_no_heavy_library():
    """``copro --help`` and ``import copro_scale`` load neither pandas, NumPy, SciPy, pyarrow,
    pingouin nor jsonschema: start-up stays fast (benchmarks/bench_startup.py times it)."""
    import subprocess
    import sys

    code = ("import sys, contextlib, io\n"
            "import copro_scale\n"
            "from copro_scale.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            "    main(['--help'])\n"
            "heavy = ('pandas', 'numpy', 'scipy', 'pyarrow', 'pingouin', 'jsonschema', 'jinja2')\n"
            "print(sorted(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
