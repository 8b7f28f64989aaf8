"""validation.json publishes no figure to more decimals than its ``meta.precision`` states."""

from __future__ import annotations

import json
from decimal import Decimal

from copro_scale.cli import main
from copro_scale.simulate import simulate


def _floats(node, path=""):
    """(path, value) of every float in a JSON document (a naive walk, not the writer's)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _floats(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _floats(value, f"{path}[{i}]")
    elif isinstance(node, float):
        yield path, node


def _decimals(value: float) -> int:
    """Decimals of a float as JSON prints it (repr): 0.67 -> 2, 0.6666666 -> 7, 1e-05 -> 5."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent)


def test_every_figure_of_validation_json_is_at_the_stated_precision(tmp_path):
    path = tmp_path / "r.csv"
    simulate(6, 14, seed=2).responses.to_csv(path, index=False)
    assert main(["validate", str(path), "-o", str(tmp_path / "val")]) == 0
    doc = json.loads((tmp_path / "val" / "validation.json").read_text(encoding="utf-8"))
    stated = max(doc["meta"]["precision"].values())
    # the cutoffs are the criteria a figure is judged by (configuration, not data): as configured
    figures = [(p, v) for p, v in _floats({k: v for k, v in doc.items() if k != "cutoffs"})]
    assert len(figures) > 50
    longer = [(p, v) for p, v in figures if _decimals(v) > stated]
    assert longer == [], longer[:5]
