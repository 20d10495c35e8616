"""The bureau's files — of a class (一期一档), a trainee (一人一档) or an employer (一企一册) — as a
background job: one PDF, or a ZIP of CSV and XLSX files. Officers only; each export is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ..audit.service import record
from ..auth.models import User
from ..auth.service import active_user, actor_of
from ..classes.models import TrainingClass
from ..core.db import today_in_beijing
from ..core.msgid import N_, RuleError
from ..jobs.kinds import Context, Kind, Output, Result, register
from ..orgs.models import Organisation
from ..orgs.service import bureau_name
from ..trainees.models import Trainee
from .class_file import Section, class_file, pdf_bytes, zip_bytes
from .people_files import employer_file, trainee_file

MIMETYPES = {"pdf": "application/pdf", "zip": "application/zip"}


@dataclass(frozen=True)
class File:
    of: str  # class | trainee | employer
    object_id: int
    name: str  # in the file's name
    heading: str
    subject: str
    sections: list[Section]


def _read(session: Session, of: object, object_id: object, today: date) -> File:
    """The file's contents, read in one go (plain rows: no session is needed to print them)."""
    if of == "class" and isinstance(object_id, int) and (c := session.get(TrainingClass, object_id)):
        return File(
            "class", c.id, c.code, "培训班次档案（一期一档）", f"{c.code} {c.title}", class_file(session, c)
        )
    if of == "trainee" and isinstance(object_id, int) and (t := session.get(Trainee, object_id)):
        subject = f"{t.name} {t.id_masked}"
        return File("trainee", t.id, str(t.id), "学员培训档案（一人一档）", subject, trainee_file(session, t))
    org = session.get(Organisation, object_id) if isinstance(object_id, int) else None
    if of == "employer" and org is not None and org.kind == "employer":
        sections = employer_file(session, org, today)
        return File("employer", org.id, org.code, "企业从业人员培训档案（一企一册）", org.name, sections)
    raise RuleError(N_("Not found."))


def _officer_may_export(session: Session, owner_id: int, params: dict, now: datetime) -> None:
    if active_user(session, owner_id, "officer") is None:
        raise RuleError(N_("Only an exam officer may export the bureau's files."))
    if params.get("format") not in MIMETYPES or params.get("of") not in {"class", "trainee", "employer"}:
        raise RuleError(N_("Not found."))


def _run(ctx: Context) -> Result:
    fmt = ctx.params["format"]
    ctx.progress(0, 2)
    with ctx.session() as s:
        file = _read(s, ctx.params["of"], ctx.params.get("id"), today_in_beijing())
        bureau, actor = bureau_name(s), actor_of(s.get(User, ctx.owner_id))
    ctx.progress(1, 2)
    if fmt == "pdf":
        data = pdf_bytes(file.heading, file.subject, file.sections, bureau)
    else:
        data = zip_bytes(file.name, file.sections)

    def audit(session: Session) -> None:
        record(session, actor, f"{file.of}.file_export", file.of, file.object_id, {"format": fmt})

    name = f"{file.of}-file-{file.name}.{fmt}"
    return Result(Output(name, MIMETYPES[fmt], data), audit)


FILE_EXPORT = register(
    Kind(name="files.export", run=_run, check=_officer_may_export, label=N_("A file of the bureau's records"))
)
