"""The controlled vocabularies (data/vocab.yaml): one file for the application form, the order
form, the catalog's filters and the server's checks; values outside them are refused with a
Chinese message that names the field (OD-1 for orders)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

import build
from functions.orders import rules as order_rules
from functions.projects import rules
from local.demo import demo_data
from schemas import catalog, records
from schemas.orders import OrderForm
from schemas.projects import ProjectDraft
from schemas.regions import region_tree
from schemas.vocab import Vocabulary, vocabulary

VOCAB = vocabulary()


def test_the_stages_are_the_vocabularys_in_every_schema() -> None:
    assert catalog.STAGES == records.STAGES == VOCAB.stages
    assert VOCAB.project_stages == (*VOCAB.stages, "全学段")


def test_every_demo_project_names_only_vocabulary_values() -> None:
    tree = region_tree()
    for p in demo_data().projects:
        d = ProjectDraft(
            stage=p.stage, subject=p.subject, field=p.field, level=p.level, target=p.target
        )
        assert rules.values_in_vocabulary(d, VOCAB, tree) == [], p.project_id


def test_every_demo_teachers_stage_and_subject_is_in_the_vocabulary() -> None:
    """适合我 compares a teacher's subject with the projects': they share one vocabulary."""
    teachers = demo_data().teachers
    assert {t.stage for t in teachers} <= set(VOCAB.stages)
    assert {t.subject for t in teachers} <= set(VOCAB.subject_names)


def test_a_project_value_outside_the_vocabulary_names_its_field_in_chinese() -> None:
    d = ProjectDraft(stage="大学", subject="语文", field="作业设计", level="骨干")
    errors = rules.values_in_vocabulary(d, VOCAB, region_tree())
    assert {e.field for e in errors} == {"stage", "field"}
    by = {e.field: e.message for e in errors}
    assert by["stage"].startswith("学段“大学”不在学段目录中")
    assert by["field"].startswith("培训领域“作业设计”不在培训领域目录中")
    assert all(e.code == "not_in_vocabulary" for e in errors)


def test_an_incomplete_draft_is_not_a_vocabulary_problem() -> None:
    assert rules.values_in_vocabulary(ProjectDraft(), VOCAB, region_tree()) == []


def test_the_target_names_stages_subjects_and_regions_that_exist() -> None:
    d = ProjectDraft.model_validate(
        {
            "target": {
                "stages": ["小学", "全学段"],
                "subjects": ["语文", "书法"],
                "region_codes": ["330106", "339999"],
            }
        }
    )
    errors = rules.values_in_vocabulary(d, VOCAB, region_tree())
    assert [e.field for e in errors] == [
        "target.stages.1",
        "target.subjects.1",
        "target.region_codes.1",
    ]
    assert errors[0].message.startswith("参训对象的学段“全学段”")


def _order(**over: str) -> OrderForm:
    base = {
        "bureau_name": "杭州市西湖区教育局",
        "contact": "周老师",
        "mobile": "13800001111",
        "title": "小学数学专题培训",
        "theme": "大单元教学",
        "target": "小学数学教师",
        "stage": "小学",
        "subject": "数学",
        "field": "学科教学",
        "trainees": 50,
        "days": 5,
        "level": "骨干",
        "form": "面授",
        "goals": "目标",
        "course_requirements": "要求",
    }
    return OrderForm.model_validate({**base, **over})


def test_an_order_names_vocabulary_values_OD_1() -> None:
    assert order_rules.form_values_in_vocabulary(_order(), VOCAB) == []
    errors = order_rules.form_values_in_vocabulary(
        _order(subject="书法", level="特级", field="作业设计"), VOCAB
    )
    assert [e.field for e in errors] == ["subject", "field", "level"]
    assert errors[0].message.startswith("学科“书法”不在学科目录中")
    assert all(e.rule == "OD-1" for e in errors)


def test_an_order_is_for_one_stage_not_every_stage_OD_1() -> None:
    with pytest.raises(ValidationError):
        _order(stage="全学段")


def test_the_vocabulary_file_is_checked() -> None:
    good = VOCAB.model_dump()
    with pytest.raises(ValidationError, match="repeats"):
        Vocabulary.model_validate({**good, "levels": ["骨干", "骨干"]})
    with pytest.raises(ValidationError, match="not in `stages`"):
        Vocabulary.model_validate(
            {**good, "subjects": [*good["subjects"], {"name": "书法", "stages": ["大学"]}]}
        )


def test_the_pages_read_the_same_values_with_their_labels() -> None:
    data = json.loads(VOCAB.as_json())
    assert data["stages"] == list(VOCAB.stages)
    assert [s["name"] for s in data["subjects"]] == list(VOCAB.subject_names)
    assert data["labels"]["field"] == "培训领域"
    # The application form's 收费项目 offers what the fee standards cap (AP-8), each once.
    assert data["fee_items"] == ["住宿费", "伙食费", "培训费", "资料费", "交通费"]


def test_the_built_site_serves_the_vocabularies_to_its_forms(tmp_path: Path) -> None:
    build.build([], tmp_path)
    assert (tmp_path / "assets/vocab.json").read_bytes() == VOCAB.as_json()
