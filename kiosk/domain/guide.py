"""The "which procedure?" guide: a few plain questions, from the catalogue's decision tree,
ending on a procedure. Qt-free; the catalogue schema has already checked that the tree
has no loop, that every question is reachable and that every answer leads somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contract.catalogue import GuideAnswer, GuideQuestion, GuideSpec


@dataclass(frozen=True)
class GuidePath:
    """One way through the tree: the (question id, answer index) pairs, and the end."""

    steps: tuple[tuple[str, int], ...]
    procedure_id: str


@dataclass
class GuideWalk:
    """Where one applicant is in the guide. ``answer()`` moves on, ``back()`` undoes."""

    spec: GuideSpec
    path: list[tuple[str, int]] = field(default_factory=list)
    procedure_id: str | None = None  # set when an answer led to a procedure

    @property
    def question(self) -> GuideQuestion | None:
        """The question on screen, None once a procedure is reached."""
        if self.procedure_id is not None:
            return None
        if not self.path:
            return self.spec.question(self.spec.start)
        qid, index = self.path[-1]
        target = self.spec.question(qid).answers[index].next
        assert target is not None
        return self.spec.question(target)

    @property
    def number(self) -> int:
        """1 for the first question, 2 for the next, ..."""
        return len(self.path) + 1

    def answer(self, index: int) -> GuideAnswer:
        question = self.question
        if question is None:
            raise RuntimeError("the guide has already reached a procedure")
        if not 0 <= index < len(question.answers):
            raise IndexError(f"question {question.id!r} has no answer {index}")
        chosen = question.answers[index]
        self.path.append((question.id, index))
        if chosen.procedure is not None:
            self.procedure_id = chosen.procedure
        return chosen

    def back(self) -> bool:
        """Undo the last answer; False if there was none (leave the guide)."""
        if not self.path:
            return False
        self.path.pop()
        self.procedure_id = None
        return True

    def restart(self) -> None:
        self.path.clear()
        self.procedure_id = None

    def answered(self) -> list[tuple[GuideQuestion, GuideAnswer]]:
        """The questions asked so far with the answers given (for a summary)."""
        return [
            (self.spec.question(qid), self.spec.question(qid).answers[i]) for qid, i in self.path
        ]


def all_paths(spec: GuideSpec) -> list[GuidePath]:
    """Every way from the first question to a procedure."""
    out: list[GuidePath] = []

    def walk(qid: str, prefix: tuple[tuple[str, int], ...]) -> None:
        for i, answer in enumerate(spec.question(qid).answers):
            steps = (*prefix, (qid, i))
            if answer.procedure is not None:
                out.append(GuidePath(steps, answer.procedure))
            else:
                assert answer.next is not None
                walk(answer.next, steps)

    walk(spec.start, ())
    return out


def reachable_procedures(spec: GuideSpec) -> frozenset[str]:
    return frozenset(p.procedure_id for p in all_paths(spec))
