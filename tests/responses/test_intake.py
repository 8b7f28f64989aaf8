"""Intake cases where a file used to read as a wrong answer with exit 0, or lost valid rows under
a misleading reason. Each oracle is the truth the test file was written from, not the reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from copro_scale import read_responses
from copro_scale.errors import CoproError


def _sav(tmp_path, inst, values, labels, name="s.sav"):
    import pyreadstat

    frame = pd.DataFrame({"response_id": [f"r{k}" for k in range(len(values))],
                          "team": ["Ward A"] * len(values), "role": ["psw"] * len(values)})
    for item in inst.item_ids:
        frame[item] = np.asarray(values, dtype="float64")
    p = tmp_path / name
    pyreadstat.write_sav(frame, str(p), variable_value_labels={i: labels for i in inst.item_ids})
    return p


def test_spss_unlabelled_codes_follow_the_labelled_codes_shift(tmp_path, inst):
    # coded 0-4; labels on 0, 2 and 4 only: 1 is "Disagree" (2) and 3 is "Agree" (4)
    labels = {0.0: "Strongly disagree", 2.0: "Neither agree nor disagree", 4.0: "Strongly agree"}
    truth = [1, 2, 3, 4, 5, 2, 1]
    r = read_responses(_sav(tmp_path, inst, [t - 1 for t in truth], labels), inst)
    assert r.n_scored == len(truth)
    assert r.data[inst.item_ids[0]].tolist() == truth


def test_spss_unlabelled_codes_with_no_rule_are_refused(tmp_path, inst):
    labels = {1.0: "Strongly disagree", 2.0: "Strongly agree"}  # no shift or reversal fits
    with pytest.raises(CoproError, match=r"codes 3 have no value label.*VALUE LABELS"):
        read_responses(_sav(tmp_path, inst, [1, 2, 3], labels), inst)
