"""export_instrument: formats, defaults, errors, determinism (byte-identical reruns)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from copro_scale import CoproError
from copro_scale.administer import FORMATS, export_instrument
from copro_scale.cli import main
from copro_scale.instrument import default_instrument_path

OFFERED_FORMATS = {"redcap", "qualtrics", "qsf", "limesurvey", "surveyjs", "forms-sheet", "html",
                 "markdown", "json"}


def test_every_platform_format_is_offered():
    assert set(FORMATS) == OFFERED_FORMATS


@pytest.mark.parametrize("fmt", sorted(OFFERED_FORMATS))
def test_every_format_exports_every_form_and_repeats_itself(inst, fmt, form):
    a = export_instrument(inst, fmt, form=form)
    assert isinstance(a, str) and len(a) > 500
    assert export_instrument(inst, fmt, form=form) == a
    # every item text of the form is in the export (JSON escapes nothing in these texts)
    missing = [it.id for it in inst.items if it.text(form).replace("'", "&#39;") not in a
               and it.text(form) not in a]
    assert missing == []


@pytest.mark.parametrize("form", ["psw", "colleague"])
def test_json_export_holds_the_items_of_the_yaml_file(inst, form):
    """Checked against the instrument file read with PyYAML, not against Instrument.to_dict."""
    doc = yaml.safe_load(default_instrument_path().read_text(encoding="utf-8"))
    got = json.loads(export_instrument(inst, "json", form=form))
    want = [{"id": i["id"], "form": form, "construct": i["construct"], "face": i["face"],
             "cell": f"{i['construct']}.{i['face']}", "reverse": i["reverse"],
             "text": i["text"][form], "basis": i["basis"]} for i in doc["items"]]
    assert got["items"] == want
    assert got["prototypes"] == {t: {f: v for f, v in p.items() if f != "process"}
                                 for t, p in doc["prototypes"].items()}
    assert got["privacy"]["min_responses"] == doc["privacy"]["min_responses"]
    assert got["scale"] == doc["scale"]["points"]


@pytest.mark.parametrize("fmt", ["forms-sheet", "html", "markdown"])
def test_formats_that_hold_both_forms_default_to_both(inst, fmt):
    both = export_instrument(inst, fmt)
    for form in ("psw", "colleague"):
        assert inst.forms[form].title in both
    assert len(both) > len(export_instrument(inst, fmt, form="psw"))


@pytest.mark.parametrize("fmt", ["redcap", "qualtrics", "qsf", "limesurvey", "surveyjs"])
def test_one_form_formats_default_to_psw(inst, fmt):
    assert export_instrument(inst, fmt) == export_instrument(inst, fmt, form="psw")
    assert export_instrument(inst, fmt) != export_instrument(inst, fmt, form="colleague")


def test_unknown_format_or_form_is_a_user_error(inst, capsys):
    with pytest.raises(CoproError, match="unknown export format 'spss'"):
        export_instrument(inst, "spss")
    with pytest.raises(CoproError, match="unknown form 'nurse'"):
        export_instrument(inst, "redcap", form="nurse")
    assert main(["instrument", "export", "--format", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown export format" in err


@pytest.mark.slow  # new processes (3 s)
def test_cli_reruns_are_byte_identical_across_processes(tmp_path):
    """Two fresh interpreters with different hash seeds write the same bytes for every format."""
    code = ("import sys\nfrom copro_scale.cli import main\n"
            "for f in sys.argv[2:]:\n"
            "    for form in ('psw', 'colleague'):\n"
            "        main(['instrument', 'export', '--format', f, '--form', form,"
            " '-o', f'{sys.argv[1]}/{f}-{form}'])\n")
    outs = []
    for seed in ("1", "2"):
        d = tmp_path / seed
        d.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", code, str(d), *sorted(OFFERED_FORMATS)], env=env,
                       check=True, capture_output=True)
        outs.append({p.name: p.read_bytes() for p in sorted(d.iterdir())})
    assert len(outs[0]) == 2 * len(OFFERED_FORMATS)
    assert outs[0] == outs[1]
    assert outs[0]["limesurvey-psw"].startswith(b"\xef\xbb\xbf")  # UTF-8 BOM


def test_write_exports_writes_every_format_and_form(inst, tmp_path):
    from copro_scale.administer import write_exports

    paths = write_exports(inst, tmp_path / "survey")
    assert set(paths) == {f"{f}:{x}" for f, spec in FORMATS.items()
                          for x in (["both"] if spec.both_forms else ["psw", "colleague"])}
    assert paths["surveyjs:colleague"].read_bytes() == export_instrument(
        inst, "surveyjs", form="colleague").encode()
