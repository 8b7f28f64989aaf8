"""Live counts with parents, against random team trees and an independent attack.

The generator draws team lists with nested parents ("A > B > C") and response counts heavy in
1 to k-1; it knows nothing of the plan. The attack is a naive one: every exact number shown
(team totals, per-form counts, parent totals, the organisation) is the size of a known set of
(team, form) groups; a group of 1 to k-1 people is given away when its indicator lies in the
span of those sets (sums, differences, any linear combination). It is checked by brute force
over every subset of groups, not with the privacy module's own tests of sets.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from copro_scale.serve.waves import live_counts

K0 = 5  # the packaged instrument's promise
SIZES = [0, 0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 9, 12]


def _scenario(rng):
    """Teams with per-form counts and parent paths (or none) in a random tree."""
    names = [f"P{i}" for i in range(6)]
    paths = [None]
    for name in names:  # each new level sits under an earlier one or at the top
        above = paths[rng.integers(len(paths))]
        paths.append(name if above is None else f"{above} > {name}")
    n_teams = int(rng.integers(2, 7))
    teams = [f"T{i}" for i in range(n_teams)]
    counts = pd.DataFrame({"team": teams,
                           "n_psw": rng.choice(SIZES, n_teams),
                           "n_colleague": rng.choice(SIZES, n_teams)})
    parents = {t: paths[rng.integers(len(paths))] for t in teams}
    return counts, parents


def _leaks(counts, parents, k, shown):
    """Groups of 1 to k-1 people (as sets of (team, form)) that the shown numbers pin."""
    atoms = [(t, f) for t in counts["team"] for f in ("psw", "colleague")]
    size = {(r.team, f): int(getattr(r, f"n_{f}")) for r in counts.itertuples() for f in
            ("psw", "colleague")}
    figures = []  # (atoms it counts, the number shown)

    def exact(text):
        return text is not None and text.isdigit()

    for row in shown.teams:
        if exact(row["total"]):
            figures.append(({(row["team"], "psw"), (row["team"], "colleague")}, row["total"]))
        for f in ("psw", "colleague"):
            if exact(row[f]):
                figures.append(({(row["team"], f)}, row[f]))
    for row in shown.parents:
        if exact(row["total"]):
            inside = [t for t, p in parents.items() if p is not None
                      and (p == row["parent"] or p.startswith(row["parent"] + " > "))]
            figures.append(({a for a in atoms if a[0] in inside}, row["total"]))
    if exact(shown.organisation):
        # rule 2, written out again: hidden teams (below the promise) holding 1 to k0-1
        # between them are left out of the organisation
        n = counts.set_index("team")[["n_psw", "n_colleague"]].sum(axis=1)
        hidden = int(n[n < K0].sum())
        pooled = set(n.index[n >= K0]) if 0 < hidden < K0 else set(n.index)
        figures.append(({a for a in atoms if a[0] in pooled}, shown.organisation))
    for members, text in figures:  # every number shown is the count it claims to be
        assert int(text) == sum(size[a] for a in members), (members, text)
    if not figures:
        return []
    basis = np.array([[a in members for a in atoms] for members, _ in figures], dtype=float)
    q, s, _ = np.linalg.svd(basis.T, full_matrices=False)
    q = q[:, s > 1e-9]
    subsets = np.array(list(itertools.product([0.0, 1.0], repeat=len(atoms))))
    resid = subsets - (subsets @ q) @ q.T
    in_span = np.abs(resid).max(axis=1) < 1e-9
    people = subsets @ np.array([size[a] for a in atoms], dtype=float)
    return [[a for a, on in zip(atoms, row) if on] for row, p, ok in
            zip(subsets, people, in_span) if ok and 0 < p < k]


@pytest.mark.parametrize("k", [5, 7])
def test_no_sum_or_difference_of_live_counts_pins_fewer_than_k(k):
    rng = np.random.default_rng(20261205 + k)
    parents_shown_with_hidden_teams = 0
    for _ in range(100):
        counts, parents = _scenario(rng)
        shown = live_counts(counts, parents, k)
        assert _leaks(counts, parents, k, shown) == [], (counts, parents, shown)
        n = counts.set_index("team")[["n_psw", "n_colleague"]].sum(axis=1)
        for row in shown.parents:
            inside = [t for t, p in parents.items() if p is not None
                      and (p == row["parent"] or p.startswith(row["parent"] + " > "))]
            if row["total"].isdigit() and any(0 < n[t] < k for t in inside):
                parents_shown_with_hidden_teams += 1
    # not vacuous: parents that pool teams below k are shown, and then hide nobody
    assert parents_shown_with_hidden_teams >= 5


def test_the_attack_finds_a_parent_shown_without_the_plan():
    # a parent of a visible team (10) and a hidden one (3), shown as is, gives the 3 away
    counts = pd.DataFrame({"team": ["A", "B"], "n_psw": [4, 1], "n_colleague": [6, 2]})
    parents = {"A": "Acute", "B": "Acute"}
    shown = live_counts(counts, parents, 5)
    assert [p["total"] for p in shown.parents] == ["not shown"]
    naive = type(shown)(shown.teams, shown.organisation, shown.notes,
                        [dict(shown.parents[0], total="13")])
    assert _leaks(counts, parents, 5, naive) == [[("B", "psw"), ("B", "colleague")]]
