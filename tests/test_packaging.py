"""The wheel carries the instruments and templates, and an installed copy finds them."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    src = ROOT / "src"
    found = {
        ".".join(p.parent.relative_to(src).parts)
        for p in src.rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.mark.slow
def test_wheel_ships_instruments_and_templates(tmp_path):
    out = tmp_path / "wheel"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    (wheel,) = out.glob("copro_scale-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "copro_scale/instruments/pcp-psw-v1.yaml" in names
    assert "copro_scale/instruments/instrument.schema.json" in names
    templates = [n for n in names if n.startswith("copro_scale/templates/")]
    assert templates, names
    # unpack and import from another directory: not the source tree, not editable
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import copro_scale, pathlib;"
        "from copro_scale import load_instrument;"
        "i = load_instrument();"
        "assert pathlib.Path(copro_scale.__file__).is_relative_to(pathlib.Path(r'%s'));"
        "print(i.name, len(i.items), i.source)" % site
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("pcp-psw 36") and str(site) in run.stdout
