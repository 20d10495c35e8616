"""Putting trainees on a class's roster: all or nothing, every problem reported at once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..audit.service import Actor, record
from ..core.keyring import Keyring
from ..core.msgid import N_
from ..trainees import identity_changes
from ..trainees import service as trainees
from . import lifecycle
from .models import OPEN_STATUSES, CandidatePhoto, Enrollment, TrainingClass
from .roster import HEADER_OF, RosterCheck, RowProblem
from .rules import ClassRules
from .service import ClassError, enrolled_count


class RosterRejected(ClassError):
    """The roster was not saved; `problems` lists every bad row."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(N_("The roster was not saved: %(count)d problem(s)."), count=len(problems))
        self.problems = sorted(problems, key=lambda p: (p.row, p.column))


@dataclass(frozen=True)
class RosterReport:
    added: int
    new_trainees: int
    name_changes: int = 0  # names that differ from the registered ones: sent to the bureau


def _other_open_classes(
    session: Session, training_class: TrainingClass, hashes: list[str]
) -> dict[str, tuple[str, int]]:
    """id hash -> (code, institution) of another open class of the same category the person is on."""
    found = {}
    for start in range(0, len(hashes), trainees.CHUNK):
        rows = session.execute(
            select(trainees.Trainee.id_hash, TrainingClass.code, TrainingClass.institution_id)
            .join(Enrollment, Enrollment.trainee_id == trainees.Trainee.id)
            .join(TrainingClass, TrainingClass.id == Enrollment.class_id)
            .where(
                trainees.Trainee.id_hash.in_(hashes[start : start + trainees.CHUNK]),
                TrainingClass.category == training_class.category,
                TrainingClass.status.in_(OPEN_STATUSES),
                TrainingClass.id != training_class.id,
            )
        )
        found.update({hashed: (code, institution) for hashed, code, institution in rows.all()})
    return found


def add_to_roster(
    session: Session,
    actor: Actor,
    keyring: Keyring,
    training_class: TrainingClass,
    check: RosterCheck,
    rules: ClassRules,
) -> RosterReport:
    """Adds every row of a clean roster, or raises RosterRejected with every problem and saves nothing."""
    if not lifecycle.editable(training_class.status):
        raise ClassError(N_("Only a draft or returned class can be changed."))
    problems = list(check.problems)
    hashes = [trainees.hash_of(keyring, r.id_type, r.id_number) for r in check.rows]
    known = trainees.by_hashes(session, hashes)
    on_this = set(
        session.scalars(select(Enrollment.trainee_id).where(Enrollment.class_id == training_class.id)).all()
    )
    elsewhere = _other_open_classes(session, training_class, hashes)
    column = HEADER_OF["id_number"]
    accepted = []
    for row, hashed in zip(check.rows, hashes, strict=True):
        trainee = known.get(hashed)
        if trainee is not None and trainee.id in on_this:
            problems.append(RowProblem(row.row, column, N_("is already on this class's roster")))
        elif hashed in elsewhere:
            code, institution = elsewhere[hashed]
            if institution == training_class.institution_id:  # its own class: say which
                problems.append(
                    RowProblem(
                        row.row,
                        column,
                        N_("is already on the roster of open class %(code)s of the same category"),
                        (("code", code),),
                    )
                )
            else:  # the rule only: another institution's classes and trainees are not this one's to see
                problems.append(
                    RowProblem(row.row, column, N_("is already in an open class of the same category"))
                )
        else:
            accepted.append((row, hashed))
    room = rules.cap[training_class.category] - enrolled_count(session, training_class)
    for row, _ in accepted[max(room, 0) :]:
        problems.append(
            RowProblem(
                row.row,
                "",
                N_("over the class cap of %(cap)d trainees"),
                (("cap", rules.cap[training_class.category]),),
            )
        )
    if problems:
        raise RosterRejected(problems)
    employers: dict = {}
    new_people = name_changes = 0
    source = f"{training_class.institution.name}: {training_class.code}"
    for row, hashed in accepted:
        employer = trainees.employer_for(session, actor, row.employer_name, row.employer_code, employers)
        new_people += hashed not in known
        existing = known.get(hashed)
        trainee = trainees.upsert(
            session,
            keyring,
            existing,
            hashed_id=hashed,
            doc_type=row.id_type,
            number=row.id_number,
            name=row.name,
            phone=row.phone,
            employer=employer,
            category=training_class.category,
            industry=training_class.industry,
        )
        if existing is not None:  # a different name asks the bureau; the record keeps its own
            name_changes += (
                identity_changes.ask_for_name(session, actor, existing, row.name, source) is not None
            )
        phone_sealed, phone_masked = trainees.sealed_phone(keyring, row.phone, hashed)
        session.add(
            Enrollment(
                class_id=training_class.id,
                trainee=trainee,
                hours_completed=row.hours_completed,
                employer_id=employer.id,
                phone_sealed=phone_sealed,
                phone_masked=phone_masked,
            )
        )
    session.flush()
    record(
        session,
        actor,
        "class.roster_add",
        "class",
        training_class.id,
        {"added": len(accepted), "new": new_people, "name_changes": name_changes},
    )
    return RosterReport(len(accepted), new_people, name_changes)


def remove_from_roster(
    session: Session, actor: Actor, training_class: TrainingClass, enrollment: Enrollment
) -> None:
    if not lifecycle.editable(training_class.status):
        raise ClassError(N_("Only a draft or returned class can be changed."))
    # Their photo goes with them (a draft class has no sittings, so it is the roster's only).
    session.execute(delete(CandidatePhoto).where(CandidatePhoto.enrollment_id == enrollment.id))
    session.delete(enrollment)
    session.flush()
    record(
        session, actor, "class.roster_remove", "class", training_class.id, {"trainee": enrollment.trainee_id}
    )


HOURS_STATUSES = frozenset({"draft", "returned", "submitted", "approved"})  # training may still be going on


def set_hours_completed(
    session: Session, actor: Actor, training_class: TrainingClass, enrollment: Enrollment, hours: int
) -> None:
    if training_class.status not in HOURS_STATUSES or enrollment.placed_elsewhere:
        raise ClassError(N_("Hours can no longer change once the exam is scheduled."))
    if not 0 <= hours <= training_class.total_hours:
        raise ClassError(
            N_("Hours completed must be between 0 and the planned %(total)d."),
            total=training_class.total_hours,
        )
    old, enrollment.hours_completed = enrollment.hours_completed, hours
    session.flush()
    record(
        session,
        actor,
        "class.hours",
        "class",
        training_class.id,
        {"trainee": enrollment.trainee_id, "hours": [old, hours]},
    )


def eligible(training_class: TrainingClass, enrollment: Enrollment) -> bool:
    """A trainee sits the exam after completing the planned hours."""
    return enrollment.hours_completed >= training_class.total_hours
