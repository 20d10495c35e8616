"""Crashes half-way: publishing results with their certificates, and importing a bank, are all or
nothing — a failure in the middle leaves the database as it was before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examsvc.audit.models import AuditEvent
from examsvc.certificates import service as certificates
from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.exams.models import Sitting
from examsvc.questions import service as questions
from examsvc.questions.models import Question, QuestionVersion

from .paper_helpers import BANK
from .tablet_helpers import enrollments, enter, lock_sitting


def _crash_on_call(monkeypatch, module, name: str, when: int) -> None:  # type: ignore[no-untyped-def]
    real, calls = getattr(module, name), []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == when:
            raise RuntimeError("the machine stopped here")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(model))


def test_a_crash_while_issuing_certificates_leaves_the_sitting_unpublished(
    app, sitting, tablet, officer, monkeypatch
):
    first, second, third = enrollments(app, sitting)
    enter(app, tablet, sitting, first, 1, right=True)
    enter(app, tablet, sitting, second, 2, right=True)
    enter(app, tablet, sitting, third, 3, right=False)
    lock_sitting(app, tablet, sitting)
    events_before = _count(app, AuditEvent)
    _crash_on_call(monkeypatch, certificates, "sign", when=2)  # the rows written, one token signed
    with pytest.raises(RuntimeError, match="stopped here"):
        officer.post(
            f"/officer/sittings/{sitting.id}/publish", {}, page=f"/officer/classes/{sitting.class_id}"
        )
    with app.app_context():
        s = db_session()
        assert s.get(Sitting, sitting.id).status == "locked"
        assert s.scalar(select(func.count()).select_from(certificates.Certificate)) == 0
    assert _count(app, AuditEvent) == events_before  # neither "published" nor "issued" recorded
    monkeypatch.undo()
    officer.post(f"/officer/sittings/{sitting.id}/publish", {}, page=f"/officer/classes/{sitting.class_id}")
    assert _count(app, certificates.Certificate) == 2  # and it works once the machine is back


def test_a_crash_in_the_middle_of_a_bank_import_imports_nothing(app, monkeypatch):
    _crash_on_call(monkeypatch, questions, "_add_version", when=7)
    result = app.test_cli_runner().invoke(main, ["bank", "import", str(BANK)])
    assert result.exit_code != 0 and "stopped here" in str(result.exception)
    assert _count(app, Question) == 0 and _count(app, QuestionVersion) == 0 and _count(app, AuditEvent) == 0
    monkeypatch.undo()
    assert app.test_cli_runner().invoke(main, ["bank", "import", str(BANK)]).exit_code == 0
    assert _count(app, Question) > 7
