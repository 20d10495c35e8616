"""The exam's promises (docs/integrity.md), checked from the database after every step of the state
machine in integrity_machine.py. A mixin: the machine gives `app`, `clock`, `class_id`, `people`,
`published_values`, and reads `sitting()` and `paper()`."""

from __future__ import annotations

from hypothesis.stateful import invariant
from sqlalchemy import select

from examsvc.certificates.models import Certificate
from examsvc.classes.models import CandidatePhoto, Enrollment
from examsvc.core.db import db_session
from examsvc.exams.models import AdmissionTicket, Attempt, CorrectionRequest
from examsvc.exams.roster import placement
from examsvc.scans.models import IN_FORCE, AnswerScan


class ExamPromises:
    def tickets(self) -> dict[int, tuple[str, int]]:
        """enrollment -> (ticket number, seat) at this sitting."""
        with self.app.app_context():
            query = select(AdmissionTicket).where(AdmissionTicket.sitting_id == self.sitting_id)
            return {t.enrollment_id: (t.number, t.seat_no) for t in db_session().scalars(query)}

    @invariant()
    def a_ticket_keeps_its_seat_and_the_paper_has_it(self) -> None:
        """Issued before the start, one seat each, never dealt again; the paper prints every seat."""
        tickets, found = self.tickets(), self.sitting()
        seats = [seat for _, seat in tickets.values()]
        assert len(seats) == len(set(seats)) and all(seat >= 1 for seat in seats)
        seen = self.__dict__.setdefault("seen_tickets", {})
        assert all(tickets[e] == ticket for e, ticket in seen.items())
        seen.update(tickets)
        if seats:
            assert self.paper().seats >= max(seats)
            with self.app.app_context():
                issued = db_session().scalars(
                    select(AdmissionTicket.issued_at).where(AdmissionTicket.sitting_id == self.sitting_id)
                )
                assert all(moment < found.starts_at for moment in issued)

    @invariant()
    def no_photo_before_the_start(self) -> None:
        found = self.sitting()
        if found is None:
            return
        with self.app.app_context():
            taken = db_session().scalars(
                select(CandidatePhoto.taken_at).where(CandidatePhoto.sitting_id == found.id)
            )
            assert all(moment >= found.starts_at for moment in taken)

    @invariant()
    def one_sheet_reading_a_seat_and_none_before_the_start(self) -> None:
        found = self.sitting()
        if found is None:
            return
        with self.app.app_context():
            scans = db_session().scalars(select(AnswerScan).where(AnswerScan.sitting_id == found.id)).all()
        seats = [s.seat_no for s in scans if s.state in IN_FORCE]
        assert len(seats) == len(set(seats)), "two readings in force for one seat"
        assert all(s.uploaded_at >= found.starts_at for s in scans)

    @invariant()
    def a_paper_opens_only_with_its_sitting(self) -> None:
        paper, found = self.paper(), self.sitting()
        if found is None or found.status == "cancelled":
            assert paper.release_at is None
        else:
            assert (paper.starts_at, paper.release_at) == (found.starts_at, found.release_at)

    @invariant()
    def nothing_recorded_before_the_start(self) -> None:
        found = self.sitting()
        if found is None:
            return
        with self.app.app_context():
            attempts = db_session().scalars(select(Attempt).where(Attempt.sitting_id == found.id)).all()
        if attempts:
            assert self.clock.now() >= found.starts_at and found.status != "cancelled"

    @invariant()
    def every_result_is_where_its_candidate_sits(self) -> None:
        """A move never takes a result along, and nothing is entered where a candidate left."""
        with self.app.app_context():
            s = db_session()
            for attempt in s.scalars(select(Attempt).where(Attempt.enrollment_id.in_(self.people))):
                assert (
                    attempt.sitting_id == placement(s, s.get(Enrollment, attempt.enrollment_id), "first").id
                )

    @invariant()
    def no_published_result_changes_by_one_person(self) -> None:
        if not self.published_values:
            return
        with self.app.app_context():
            s = db_session()
            for attempt_id, values in self.published_values.items():
                now = s.get(Attempt, attempt_id)
                if (now.presence, now.score_tenths, now.passed) == values:
                    continue
                decided = s.scalars(
                    select(CorrectionRequest).where(
                        CorrectionRequest.attempt_id == attempt_id, CorrectionRequest.status == "approved"
                    )
                ).all()
                assert decided and all(r.decided_by != r.requested_by for r in decided)

    @invariant()
    def certificates_follow_published_passes(self) -> None:
        found = self.sitting()
        with self.app.app_context():
            s = db_session()
            live = {
                c.enrollment_id
                for c in s.scalars(select(Certificate).where(Certificate.class_id == self.class_id))
                if c.revoked_at is None
            }
            if found is None or found.status != "published":
                assert not live, "a certificate before publication"
                return
            passed = set(
                s.scalars(
                    select(Attempt.enrollment_id).where(
                        Attempt.sitting_id == found.id, Attempt.passed.is_(True)
                    )
                )
            )
        assert live == passed
