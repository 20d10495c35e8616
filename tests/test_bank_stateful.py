"""The bank's four eyes under every interleaving: a Hypothesis state machine has two officers, an
institution, a proctor and an anonymous client edit, revise, import, approve, reject, retire and
reactivate questions through the HTTP layer and the command line, and after every step checks from
the database that nothing reaches a paper without a second officer's approval."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.papers.service import candidates
from examsvc.questions.models import Question, QuestionVersion, ReviewItem
from examsvc.questions.review import queue_flags

from .bank_helpers import question, write_bank
from .conftest import PASSWORD
from .helpers import Client
from .test_bank_review import FORM

OFFICERS = ("officer1", "officer2")
OUTSIDERS = ("school1", "proctor1", None)  # None: not signed in
NUMBERS = itertools.count(1000)
PICKS = st.sampled_from(["newest", "oldest", "pending"])


def bank_machine(app, world, officers: dict[str, Client], tmp_path):  # type: ignore[no-untyped-def]
    clients: dict[str | None, Client] = dict(officers)  # signed in once: a second code would be a replay
    for username in OUTSIDERS:
        clients[username] = Client(app)
    world.login(clients["school1"], "school1")
    clients["proctor1"].login("proctor1", PASSWORD)

    class BankMachine(RuleBasedStateMachine):
        @initialize()
        def a_reviewed_import(self) -> None:
            self.numbers = [next(NUMBERS), next(NUMBERS)]  # fresh questions for each walk
            self._import([question(n) for n in self.numbers], "officer1")
            with app.app_context():
                ids = select(Question.id).where(
                    Question.external_id.in_([f"t-{n:04d}" for n in self.numbers])
                )
                self.questions = list(db_session().scalars(ids))

        def _import(self, records, reviewer: str | None) -> None:  # type: ignore[no-untyped-def]
            folder = write_bank(tmp_path / f"import-{next(NUMBERS)}", records)
            extra = ["--approved-by", reviewer] if reviewer else []
            assert app.test_cli_runner().invoke(main, ["bank", "import", str(folder), *extra]).exit_code == 0

        def _version(self, q: int, pick: str) -> int | None:
            with app.app_context():
                versions = (
                    db_session()
                    .scalars(select(QuestionVersion).where(QuestionVersion.question_id == self.questions[q]))
                    .all()
                )
            chosen = [v for v in versions if v.review == "pending"] if pick == "pending" else list(versions)
            chosen.sort(key=lambda v: v.version)
            return None if not chosen else (chosen[0] if pick == "oldest" else chosen[-1]).id

        @rule(who=st.sampled_from(OFFICERS), q=st.integers(0, 1), text=st.integers(0, 9))
        def edit(self, who: str, q: int, text: int) -> None:
            form = {**FORM, "stem": f"{FORM['stem']}（第{text}稿）"}
            clients[who].post(f"/bank/questions/{self.questions[q]}/edit", form)

        @rule(
            who=st.sampled_from((*OFFICERS, *OUTSIDERS)),
            q=st.integers(0, 1),
            pick=PICKS,
            approve=st.booleans(),
        )
        def decide(self, who: str | None, q: int, pick: str, approve: bool) -> None:
            version = self._version(q, pick)
            if version is not None:
                decision = "approve" if approve else "reject"
                clients[who].post(f"/bank/review/versions/{version}/{decision}", {"reason": "核对法条后退回"})

        @rule(
            q=st.integers(0, 1),
            reviewer=st.sampled_from([None, "officer1", "officer2"]),
            text=st.integers(0, 9),
        )
        def import_a_change(self, q: int, reviewer: str | None, text: int) -> None:
            self._import([question(self.numbers[q], stem=f"导入修改第{text}稿")], reviewer)

        @rule(who=st.sampled_from(OFFICERS), q=st.integers(0, 1), with_reason=st.booleans())
        def revise_a_flagged_question(self, who: str, q: int, with_reason: bool) -> None:
            with app.app_context():
                s = db_session()
                version = s.scalar(
                    select(QuestionVersion.id)
                    .join(Question, Question.id == QuestionVersion.question_id)
                    .where(
                        Question.id == self.questions[q], QuestionVersion.version == Question.current_version
                    )
                )
                queue_flags(s, {version: [{"code": "too_easy", "params": {}, "sitting_id": 1}]})
                s.commit()
                item = s.scalar(
                    select(ReviewItem.id).where(
                        ReviewItem.question_id == self.questions[q], ReviewItem.state == "open"
                    )
                )
            if item is not None:
                form = {**FORM, "reason": "改写干扰项" if with_reason else ""}
                clients[who].post(f"/bank/review/items/{item}/revise", form)

        @rule(
            who=st.sampled_from((*OFFICERS, *OUTSIDERS)),
            q=st.integers(0, 1),
            status=st.sampled_from(["retired", "active"]),
        )
        def set_status(self, who: str | None, q: int, status: str) -> None:
            clients[who].post(f"/bank/questions/{self.questions[q]}/status", {"status": status})

        @invariant()
        def only_versions_a_second_officer_approved_are_drawn(self) -> None:
            with app.app_context():
                s = db_session()
                drawable = {c.version_id for c in candidates(s, "coal_mine", "manager")}
                for version in s.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(drawable))):
                    assert version.review == "approved", version.id
                    assert version.reviewed_by in OFFICERS and version.reviewed_by != version.created_by
                    question_row = s.get(Question, version.question_id)
                    assert question_row.current_version == version.version and question_row.status == "active"

        @invariant()
        def one_waiting_version_at_most_and_the_current_one_approved_once_any_is(self) -> None:
            with app.app_context():
                s = db_session()
                waiting = s.execute(
                    select(QuestionVersion.question_id, func.count())
                    .where(QuestionVersion.review == "pending")
                    .group_by(QuestionVersion.question_id)
                ).all()
                assert all(n == 1 for _, n in waiting)
                for qid in self.questions:
                    versions = s.scalars(
                        select(QuestionVersion).where(QuestionVersion.question_id == qid)
                    ).all()
                    current = s.get(Question, qid).current_version
                    approved = [v.version for v in versions if v.review == "approved"]
                    assert current == max(approved)  # the reviewed import made one, so there is one
                    for v in versions:  # nobody outside the office ever decided anything
                        assert v.reviewed_by in (*OFFICERS, None)

    return BankMachine


@pytest.mark.parametrize("walks", [30])
def test_four_eyes_hold_under_every_interleaving(app, world, officer, second_officer, tmp_path, walks):
    machine = bank_machine(app, world, {"officer1": officer, "officer2": second_officer}, tmp_path)
    budget = settings(
        max_examples=walks,
        stateful_step_count=15,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    run_state_machine_as_test(machine, settings=budget)
