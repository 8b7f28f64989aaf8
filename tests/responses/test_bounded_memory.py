"""Memory stays bounded: ``copro score`` on a large canonical file never hands more than one
block of rows to a step (the oracle for its files is the whole-file read)."""

from __future__ import annotations

import importlib

from copro_scale.cli import main
from copro_scale.simulate import simulate


def test_copro_score_holds_one_block_of_rows_at_a_time(tmp_path, monkeypatch, capsys):
    """Memory bounded: no step of ``copro score`` on a large file sees more than a block's rows
    (the whole-file read hands all 3,000 rows to one step), and the files written are the
    whole-file read's."""
    from copro_scale import responses
    from copro_scale.responses import normalise

    try:
        chunked = importlib.import_module("copro_scale.responses.chunked")
    except ImportError:  # a copro that reads whole files only
        chunked = None

    path = tmp_path / "r.csv"
    simulate(10, 300, seed=2).responses.to_csv(path, index=False)
    main(["score", str(path), "-o", str(tmp_path / "whole.csv")])
    seen = []

    def spy(raw, *a, **kw):
        seen.append(len(raw))
        return normalise.finish(raw, *a, **kw)

    monkeypatch.setattr(responses, "finish", spy)
    if chunked is not None:
        monkeypatch.setattr(chunked, "finish", spy)
        monkeypatch.setattr(chunked, "STREAM_BYTES", 1)
        monkeypatch.setattr(chunked, "BLOCK_BYTES", 32 << 10)
    assert main(["score", str(path), "-o", str(tmp_path / "blocks.csv")]) == 0
    assert seen and max(seen) <= 600, seen
    assert (tmp_path / "blocks.csv").read_text() == (tmp_path / "whole.csv").read_text()
    assert "rows read 3000 = scored 3000" in capsys.readouterr().err
