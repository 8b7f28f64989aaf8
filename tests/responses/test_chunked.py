"""Scoring in blocks: the same files as the whole-file read, holding one block of rows at a time.

The oracle is the whole-file path (``read_responses`` then ``score``), a second implementation
of every rule the blocks must settle across the file (repeated ids, team spelling variants,
the team list, ``r<N>`` numbering, speeders).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale import read_responses
from copro_scale.csvsafe import write_csv
from copro_scale.errors import CoproError
from copro_scale.responses import chunked
from copro_scale.scoring import score, scores_long
from copro_scale.simulate import simulate


def hostile(n_teams=6, per_team=60, seed=11) -> pd.DataFrame:
    """A canonical table with what crosses blocks: repeated ids far apart, team spelling
    variants, blank teams, labels and out-of-range codes, a duration column."""
    sim = simulate(n_teams, per_team, seed=seed).responses.copy()
    rng = np.random.default_rng(seed)
    n = len(sim)
    items = [c for c in sim.columns if c[:1] in "vei" and c[-1].isdigit()]
    sim = sim.astype({c: object for c in items})
    ids = sim["response_id"].to_numpy(dtype=object)
    for k in rng.choice(n, 25, replace=False):  # repeats of an id from anywhere in the file
        ids[k] = ids[rng.integers(0, n)]
    sim["response_id"] = ids
    sim.loc[rng.choice(n, 5, replace=False), "response_id"] = None
    team = sim["team"].to_numpy(dtype=object)
    for k in rng.choice(n, 30, replace=False):
        team[k] = str(team[k]).upper() + " "  # a variant, merged into the commonest spelling
    team[rng.choice(n, 4, replace=False)] = None
    sim["team"] = team
    sim.loc[rng.choice(n, 6, replace=False), items[0]] = 9
    sim.loc[rng.choice(n, 6, replace=False), items[3]] = "maybe so"
    sim["duration_s"] = rng.uniform(50, 900, n).round(1)
    return sim


def whole(path, tmp, **kw):
    r = read_responses(path, ids=kw.pop("ids", "sequence"), salt=kw.pop("salt", None),
                       teams=kw.pop("teams", None))
    s = score(r)
    write_csv(scores_long(s) if kw.get("long") else s, tmp / "whole.csv")
    write_csv(r.exclusions, tmp / "whole-excl.csv")
    return r


def assert_same_as_whole(tmp_path, summary, r):
    """The read in blocks wrote the whole read's files, accounting and warnings."""
    assert (tmp_path / "blocks.csv").read_text() == (tmp_path / "whole.csv").read_text()
    assert (tmp_path / "blocks-excl.csv").read_text() == (tmp_path / "whole-excl.csv").read_text()
    assert summary.accounting() == r.accounting()
    assert set(summary.warnings) == set(r.warnings)


@pytest.mark.parametrize("ids", ["sequence", "hash", "keep"])
def test_blocks_write_the_whole_files_outputs(tmp_path, ids):
    path = tmp_path / "r.csv"
    frame = hostile()
    frame.to_csv(path, index=False)
    text = path.read_text().splitlines()
    text.insert(40, "")  # a blank line: later rows keep their numbers
    path.write_text("\n".join(text) + "\n")
    salt = "pepper" if ids == "hash" else None
    r = whole(path, tmp_path, ids=ids, salt=salt)
    assert {"duplicate_id", "missing_team", "out_of_range", "unknown_label"} <= set(r.reason_counts())
    summary = chunked.score_in_blocks(path, r.instrument, output=tmp_path / "blocks.csv",
                                      exclusions=tmp_path / "blocks-excl.csv", ids=ids, salt=salt,
                                      block_bytes=4096)
    assert_same_as_whole(tmp_path, summary, r)


def test_blocks_with_a_team_list_and_damaged_ids(tmp_path, inst):
    frame = hostile(seed=3)
    teams = sorted(frame["team"].dropna().map(str.strip).unique())
    keep = [t for t in teams if t == t.title() or not t.isupper()]
    pd.DataFrame({"team": keep[:-1] + ["Listed Nobody Answered"],
                  "n_psw_expected": 3}).to_csv(tmp_path / "teams.csv", index=False)
    k = np.arange(len(frame))
    frame["response_id"] = np.where(k % 3 == 0, "1.23457E+15", "R" + k.astype(str))
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    r = whole(path, tmp_path, teams=tmp_path / "teams.csv")
    assert r.reason_counts().get("unknown_team") and "duplicate_id" not in r.reason_counts()
    summary = chunked.score_in_blocks(path, inst, output=tmp_path / "blocks.csv",
                                      exclusions=tmp_path / "blocks-excl.csv",
                                      teams=tmp_path / "teams.csv", block_bytes=4096)
    assert_same_as_whole(tmp_path, summary, r)
    pd.testing.assert_frame_equal(summary.team_list.reset_index(drop=True),
                                  r.team_list.reset_index(drop=True))


def test_a_bad_byte_deep_in_the_file_is_a_one_line_error(tmp_path, inst):
    path = tmp_path / "r.csv"
    simulate(10, 300, seed=4).responses.to_csv(path, index=False)
    data = path.read_bytes()
    at = data.index(b"\n", len(data) * 3 // 4) + 1
    path.write_bytes(data[:at] + data[at:].replace(b"Ward", b"W\xe9rd", 1))
    out = tmp_path / "s.csv"
    with pytest.raises(CoproError, match="is not UTF-8 text; save it as CSV UTF-8") as err:
        chunked.score_in_blocks(path, inst, output=out, block_bytes=16 << 10)
    assert err.value.row > 2000 and not out.exists()
