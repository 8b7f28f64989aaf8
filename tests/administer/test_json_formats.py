"""The JSON structures of the SurveyJS survey and the Qualtrics QSF."""

from __future__ import annotations

import json

import pytest

from copro_scale.administer import export_instrument
from copro_scale.administer._layout import sections
from copro_scale.administer.qualtrics_txt import role_recodes


def codes_of(inst, form):
    return [p.code for p in inst.scale] + ([inst.dont_know.code] if form == "colleague" else [])


# -- SurveyJS ------------------------------------------------------------------------------------
@pytest.fixture
def sjs(inst, form):
    return json.loads(export_instrument(inst, "surveyjs", form=form))


def test_surveyjs_structure(sjs):
    assert isinstance(sjs["title"], str) and isinstance(sjs["pages"], list)
    names = []
    for page in sjs["pages"]:
        assert set(page) >= {"name", "elements"}
        for el in page["elements"]:
            assert isinstance(el["type"], str) and isinstance(el["name"], str)
            names.append(el["name"])
    assert len(set(names)) == len(names), "question names are unique in a survey"


def test_surveyjs_a_matrix_per_section_with_item_rows_and_code_columns(sjs, inst, form):
    matrices = [el for p in sjs["pages"] for el in p["elements"] if el["type"] == "matrix"]
    assert [m["name"] for m in matrices] == [s.key for s in sections(inst)]
    for m, s in zip(matrices, sections(inst)):
        assert [r["value"] for r in m["rows"]] == [it.id for it in s.items]
        assert [r["text"] for r in m["rows"]] == [it.text(form) for it in s.items]
        values = [c["value"] for c in m["columns"]]
        assert values == codes_of(inst, form) and all(type(v) is int for v in values)
    # each matrix sits on a page of its own
    assert all(sum(el["type"] == "matrix" for el in p["elements"]) <= 1 for p in sjs["pages"])


def test_surveyjs_respondent_questions(sjs, inst, form):
    els = {el["name"]: el for p in sjs["pages"] for el in p["elements"]}
    assert els["team"]["type"] == "text" and els["team"]["isRequired"] is True
    assert els["role"]["type"] == "radiogroup"
    assert [c["value"] for c in els["role"]["choices"]] == list(inst.forms[form].roles)
    assert els["months_in_role"]["inputType"] == "number"
    assert "116 123" in els["support"]["html"]


# -- QSF -------------------------------------------------------------------------------------------
@pytest.fixture
def qsf(inst, form):
    return json.loads(export_instrument(inst, "qsf", form=form))


def test_qsf_top_level_and_elements(qsf):
    assert set(qsf) == {"SurveyEntry", "SurveyElements"}
    assert qsf["SurveyEntry"]["SurveyID"].startswith("SV_")
    kinds = [e["Element"] for e in qsf["SurveyElements"]]
    assert kinds.count("BL") == 1 and kinds.count("FL") == 1
    for e in qsf["SurveyElements"]:
        assert set(e) >= {"SurveyID", "Element", "PrimaryAttribute", "Payload"}
        assert e["SurveyID"] == qsf["SurveyEntry"]["SurveyID"]


def test_qsf_blocks_flow_and_questions_refer_to_each_other(qsf):
    els = qsf["SurveyElements"]
    sq = {e["PrimaryAttribute"]: e["Payload"] for e in els if e["Element"] == "SQ"}
    assert all(p["QuestionID"] == qid for qid, p in sq.items())
    blocks = next(e for e in els if e["Element"] == "BL")["Payload"]
    in_blocks = [b["QuestionID"] for bl in blocks for b in bl["BlockElements"]]
    assert sorted(in_blocks) == sorted(sq), "every question in exactly one block"
    flow = next(e for e in els if e["Element"] == "FL")["Payload"]
    assert flow["Type"] == "Root"
    assert [f["ID"] for f in flow["Flow"]] == [b["ID"] for b in blocks]
    tags = [p["DataExportTag"] for p in sq.values()]
    assert len(set(tags)) == len(tags)


def test_qsf_likert_matrices_export_item_ids_and_recode_to_codes(qsf, inst, form):
    sq = [e["Payload"] for e in qsf["SurveyElements"] if e["Element"] == "SQ"]
    matrices = [p for p in sq if p["QuestionType"] == "Matrix"]
    assert [m["DataExportTag"] for m in matrices] == [s.key for s in sections(inst)]
    for m, s in zip(matrices, sections(inst)):
        assert (m["Selector"], m["SubSelector"]) == ("Likert", "SingleAnswer")
        assert [m["ChoiceDataExportTags"][str(k)] for k in m["ChoiceOrder"]] == [it.id for it in s.items]
        assert [m["Choices"][str(k)]["Display"] for k in m["ChoiceOrder"]] == [it.text(form) for it in s.items]
        assert [int(m["RecodeValues"][str(k)]) for k in m["AnswerOrder"]] == codes_of(inst, form)
    role = next(p for p in sq if p["DataExportTag"] == "role")
    rec = role_recodes(inst)
    assert {int(v) for v in role["RecodeValues"].values()} == {rec[r] for r in inst.forms[form].roles}
