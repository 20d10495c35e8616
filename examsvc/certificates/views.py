"""Officers: a class's certificates as one PDF or a ZIP, revocation (one, or a whole class) and
suspension (one, reversible)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..audit.service import Actor
from ..auth.service import actor_of
from ..classes.models import TrainingClass
from ..classes.signals import officer_class_page
from ..core.db import db_session
from ..exams.models import Attempt, Sitting
from ..exams.signals import result_corrected, results_published
from ..jobs.views import start
from ..trainees.models import Trainee
from ..trainees.signals import trainee_page
from ..web.access import roles
from ..web.viewutil import apply_change, get_or_404
from . import revocations, service
from .jobs import CLASS_CERTIFICATES
from .models import Certificate

bp = Blueprint("certificates", __name__, url_prefix="/officer")


def _mirror():  # type: ignore[no-untyped-def]
    redis = current_app.extensions["examsvc.limiter"].redis  # None without EXAMSVC_REDIS_URL
    return None if redis is None else (redis, current_app.extensions["examsvc.mirror"])


def _mark_after_commit(revoked: list[Certificate]) -> None:
    """The bits once more, now that the revocations are committed: a `certs mirror-reset` running
    between the first marking and the commit could have cleared them."""
    mirror = _mirror()
    if mirror is None:
        return
    try:
        for cert in revoked:
            revocations.mark(*mirror, cert.status_index)
    except Exception:  # noqa: BLE001 - marked once already, before the commit
        current_app.logger.warning("revocation mirror: marking again after the commit failed")


def _config():  # type: ignore[no-untyped-def]
    return current_app.config["EXAMSVC"]


def class_certificates(training_class: TrainingClass) -> list[Certificate]:
    query = select(Certificate).where(Certificate.class_id == training_class.id).order_by(Certificate.id)
    return list(db_session().scalars(query))


@officer_class_page.connect
def _class_panel(training_class: TrainingClass, **_: object) -> dict[str, object]:
    return {"certificates": class_certificates(training_class)}


@trainee_page.connect
def _trainee_panel(trainee: Trainee, **_: object) -> dict[str, object]:
    certificates, ledger = service.trainee_record(db_session(), trainee)
    return {"certificates": certificates, "ledger": ledger}


@results_published.connect
def _certify(sitting: Sitting, *, session, actor: Actor, **_: object) -> None:  # type: ignore[no-untyped-def]
    service.issue_for_sitting(session, actor, sitting, _config())


@result_corrected.connect
def _follow(attempt: Attempt, *, session, actor: Actor, sitting: Sitting, reason: str, **_: object) -> None:  # type: ignore[no-untyped-def]
    service.follow_correction(session, actor, current_user, sitting, attempt, reason, _config(), _mirror())


@bp.route("/classes/<int:class_id>/certificates/<any(pdf, zip):fmt>", methods=["POST"])
@roles("officer")
def class_certificates_file(class_id: int, fmt: str):  # type: ignore[no-untyped-def]
    """The class's certificates as one PDF or a ZIP of one each: a job, whose progress page follows."""
    training_class = get_or_404(TrainingClass, class_id)
    back = url_for("review.class_view", class_id=training_class.id) + "#certificates"
    return start(CLASS_CERTIFICATES.name, {"class": training_class.id, "format": fmt}, back)


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
@roles("officer")
def revoke(certificate_id: int):  # type: ignore[no-untyped-def]
    cert = get_or_404(Certificate, certificate_id)
    reason, kind = request.form.get("reason", ""), request.form.get("kind", "other")
    apply_change(
        lambda s: service.revoke(s, actor_of(current_user), current_user, cert, reason, _mirror(), kind),
        _("Certificate %(number)s revoked.", number=cert.number),
    )
    if cert.revoked_at is not None:
        _mark_after_commit([cert])
    return redirect(url_for("review.class_view", class_id=cert.class_id) + "#certificates")


@bp.route("/certificates/<int:certificate_id>/suspend", methods=["POST"])
@roles("officer")
def suspend(certificate_id: int):  # type: ignore[no-untyped-def]
    cert = get_or_404(Certificate, certificate_id)
    reason = request.form.get("reason", "")
    apply_change(
        lambda s: service.suspend(s, actor_of(current_user), cert, reason, _mirror()),
        _("Certificate %(number)s suspended.", number=cert.number),
    )
    return redirect(url_for("review.class_view", class_id=cert.class_id) + "#certificates")


@bp.route("/certificates/<int:certificate_id>/reinstate", methods=["POST"])
@roles("officer")
def reinstate(certificate_id: int):  # type: ignore[no-untyped-def]
    cert = get_or_404(Certificate, certificate_id)
    reason = request.form.get("reason", "")
    done = apply_change(
        lambda s: service.lift_suspension(s, actor_of(current_user), cert, reason) or True,
        _("Certificate %(number)s is in force again.", number=cert.number),
    )
    mirror = _mirror()
    if done and mirror is not None:
        try:
            revocations.reinstate(*mirror, cert.status_index)
        except Exception:  # noqa: BLE001 - its look-ups keep going to the database, which is right
            current_app.logger.warning("revocation mirror: could not forget a lifted suspension")
    return redirect(url_for("review.class_view", class_id=cert.class_id) + "#certificates")


@bp.route("/classes/<int:class_id>/certificates/revoke", methods=["POST"])
@roles("officer")
def revoke_class(class_id: int):  # type: ignore[no-untyped-def]
    training_class = get_or_404(TrainingClass, class_id)
    reason = request.form.get("reason", "")
    count = apply_change(
        lambda s: service.revoke_class(
            s, actor_of(current_user), current_user, training_class, reason, _mirror()
        )
    )
    if count is not None:
        flash(_("%(count)d certificates revoked.", count=count), "info")
        _mark_after_commit([c for c in class_certificates(training_class) if c.revoked_at is not None])
    return redirect(url_for("review.class_view", class_id=class_id) + "#certificates")
