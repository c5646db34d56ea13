"""The "which procedure?" guide: every path ends on a procedure of the catalogue."""

import pytest

from contract.catalogue import load_catalogue
from kiosk.domain.guide import GuideWalk, all_paths, reachable_procedures


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_every_leaf_is_an_existing_procedure_and_every_procedure_is_reachable(cat):
    ids = {p.id for p in cat.procedures}
    paths = all_paths(cat.guide)
    assert paths
    assert all(p.procedure_id in ids for p in paths)
    assert reachable_procedures(cat.guide) == ids


def test_every_path_can_be_walked_and_is_short(cat):
    for path in all_paths(cat.guide):
        walk = GuideWalk(cat.guide)
        for qid, index in path.steps:
            assert walk.question is not None and walk.question.id == qid
            walk.answer(index)
        assert walk.question is None
        assert walk.procedure_id == path.procedure_id
        assert len(path.steps) <= 4  # "a few plain questions"


def test_every_question_is_asked_on_some_path(cat):
    asked = {qid for p in all_paths(cat.guide) for qid, _ in p.steps}
    assert asked == {q.id for q in cat.guide.questions}


def test_a_lost_card_leads_to_the_duplicate(cat):
    walk = GuideWalk(cat.guide)
    assert walk.question.text == "Vous avez déjà une carte de séjour en France ?"
    walk.answer(0)  # yes
    assert walk.number == 2
    chosen = walk.answer(1)  # lost, stolen or damaged
    assert chosen.procedure == walk.procedure_id == "duplicate"
    assert [q.id for q, _ in walk.answered()] == ["has_card", "card_need"]


def test_back_and_restart(cat):
    walk = GuideWalk(cat.guide)
    assert walk.back() is False
    walk.answer(1)
    walk.answer(0)  # studies
    assert walk.procedure_id == "first-student"
    assert walk.back() is True
    assert walk.procedure_id is None and walk.question.id == "first_reason"
    walk.restart()
    assert walk.question.id == cat.guide.start
    with pytest.raises(IndexError):
        walk.answer(9)
    walk.answer(0)
    walk.answer(1)
    with pytest.raises(RuntimeError):
        walk.answer(0)
