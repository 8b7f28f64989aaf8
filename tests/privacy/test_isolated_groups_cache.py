"""isolated_groups on many items: the SVD of the shown figures over the atoms of k or more runs
once per distinct matrix, and the answer still follows each call's own sizes."""

import numpy as np
import scipy.linalg

from copro_scale import privacy


def test_isolated_groups_takes_one_null_space_per_distinct_matrix(monkeypatch):
    """The organisation (atoms 0-2) and a team (atoms 0-1), k = 5. Sizes (6, 6, 3), (6, 6, 2)
    and (7, 6, 3) leave the same big atoms 0 and 1, so one null space serves the three calls; by
    hand the organisation minus the team is atom 2 alone, 3, 2 and 3 people: isolated each
    time. Sizes (6, 3, 3) make atom 0 the only big one, a new matrix: organisation minus team
    is still atom 2 (3 people)."""
    rows = np.array([[1.0, 1, 1], [1, 1, 0]])
    calls = []
    real = scipy.linalg.null_space

    def spy(m, *a, **kw):
        calls.append(m.shape)
        return real(m, *a, **kw)

    monkeypatch.setattr(scipy.linalg, "null_space", spy)
    getattr(privacy, "_NULL_SPACES", {}).clear()  # none kept from an earlier test
    assert privacy.isolated_groups(rows, [6, 6, 3], 5) == [[2]]
    assert privacy.isolated_groups(rows, [6, 6, 2], 5) == [[2]]
    assert privacy.isolated_groups(rows, [7, 6, 3], 5) == [[2]]
    assert len(calls) == 1
    assert privacy.isolated_groups(rows, [6, 3, 3], 5) == [[2]]
    assert len(calls) == 2


def test_two_matrices_of_one_shape_keep_their_own_null_spaces():
    """Shown figures over atoms (big, big, small), k = 5, sizes (6, 6, 3). With rows (1, 1, 1)
    and (1, 1, 0) the big part [[1, 1], [1, 1]] has the left null vector (1, -1): row one minus
    row two is atom 2 alone, isolated. With rows (1, 0, 1) and (0, 1, 0) the big part is the
    identity, whose left null space is empty: no combination leaves the big atoms out, nothing
    is isolated. Both big parts are 2 x 2, so a cache keyed by shape alone would mix them."""
    getattr(privacy, "_NULL_SPACES", {}).clear()
    first = np.array([[1.0, 1, 1], [1, 1, 0]])
    second = np.array([[1.0, 0, 1], [0, 1, 0]])
    assert privacy.isolated_groups(first, [6, 6, 3], 5) == [[2]]
    assert privacy.isolated_groups(second, [6, 6, 3], 5) == []
    assert privacy.isolated_groups(first, [6, 6, 3], 5) == [[2]]
