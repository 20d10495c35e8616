"""Photos: the one the institution sends with its roster (until the trainee's exam), and on the
proctor's tablet the one taken at check-in (sent through the offline outbox, as JSON with the JPEG
in base 64) beside it.

A proctor sees both only for a candidate on their sitting's roster; an institution sees its own
trainees' roster photos. Never cached.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.service import actor_of
from ..classes import photos
from ..classes.forms import PhotoForm
from ..classes.models import Enrollment
from ..core.db import db_session
from ..core.msgid import RuleError
from ..web.access import roles
from ..web.viewutil import apply_change, clock_now, get_or_404
from . import results
from .models import Sitting
from .roster import sitting_roster
from .service import is_assigned

bp = Blueprint("photos", __name__, url_prefix="/proctor/sittings")
roster_bp = Blueprint("roster_photos", __name__, url_prefix="/institution/classes")
BASE64_MAX = (photos.MAX_BYTES + 2) // 3 * 4  # the largest photo's text: longer is refused unread


def _mine(sitting_id: int, enrollment_id: int) -> tuple[Sitting, Enrollment]:
    sitting, enrollment = get_or_404(Sitting, sitting_id), get_or_404(Enrollment, enrollment_id)
    s = db_session()
    if not is_assigned(s, sitting, current_user):
        abort(404)  # another sitting's candidates do not exist for this proctor
    # The roster as the proctor's page lists it: placed here is not enough for one who may not sit
    # (training hours short, or passed and so not called to the retake).
    if all(c.enrollment.id != enrollment.id for c in sitting_roster(s, sitting)):
        abort(404)
    return sitting, enrollment


@bp.route("/<int:sitting_id>/candidates/<int:enrollment_id>/photo", methods=["POST"])
@roles("proctor")
def take(sitting_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    sitting, enrollment = _mine(sitting_id, enrollment_id)
    values = request.get_json(silent=True)
    text = values.get("photo") if isinstance(values, dict) else None
    if not isinstance(text, str) or not text or len(text) > BASE64_MAX:
        return jsonify(ok=False, message=_("Send the photo as a JPEG in base 64, at most 3 MB.")), 400
    try:
        jpeg = base64.b64decode(text.removeprefix("data:image/jpeg;base64,"), validate=True)
    except (binascii.Error, ValueError):
        return jsonify(ok=False, message=_("Send the photo as a JPEG in base 64, at most 3 MB.")), 400
    s = db_session()
    keyring = current_app.extensions["examsvc.keys"]
    try:
        photo = results.take_photo(
            s, keyring, actor_of(current_user), current_user, sitting, enrollment, jpeg, clock_now()
        )
        s.commit()
    except RuleError as exc:  # a closed sitting, not a photo, too small: said, nothing stored
        s.rollback()
        return jsonify(ok=False, message=_(str(exc), **exc.params)), getattr(exc, "status", 422)
    return jsonify(ok=True, message=_("Photo saved."), digest=photo.digest)


def _jpeg(data: bytes | None) -> Response:
    if data is None:
        abort(404)
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@bp.route("/<int:sitting_id>/candidates/<int:enrollment_id>/photo/<any(roster, check_in):which>.jpg")
@roles("proctor")
def show(sitting_id: int, enrollment_id: int, which: str):  # type: ignore[no-untyped-def]
    sitting, enrollment = _mine(sitting_id, enrollment_id)
    keyring = current_app.extensions["examsvc.keys"]
    at = None if which == "roster" else sitting.id
    return _jpeg(photos.jpeg_of(db_session(), keyring, enrollment.id, at))


def _own_enrollment(class_id: int, enrollment_id: int) -> Enrollment:
    enrollment = db_session().get(Enrollment, enrollment_id)
    mine = enrollment is not None and enrollment.class_id == class_id
    if not mine or enrollment.training_class.institution_id != current_user.org_id:
        abort(404)  # another institution's trainee does not exist, as far as this user can tell
    return enrollment


@roster_bp.route("/<int:class_id>/enrollments/<int:enrollment_id>/photo", methods=["POST"])
@roles("institution")
def upload(class_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    """The trainee's photo, for the admission ticket and the proctor's comparison at check-in."""
    enrollment = _own_enrollment(class_id, enrollment_id)
    back = redirect(url_for("inst_classes.class_view", class_id=class_id))
    form = PhotoForm()
    if not form.validate_on_submit():
        flash(_("Choose a photo to upload."), "error")
        return back
    data = form.photo.data.read(photos.MAX_BYTES + 1)  # one byte past the limit is enough to refuse
    keyring = current_app.extensions["examsvc.keys"]
    actor, now = actor_of(current_user), clock_now()
    apply_change(
        lambda s: results.send_roster_photo(s, keyring, actor, current_user, enrollment, data, now),
        _("Photo saved."),
    )
    return back


@roster_bp.route("/<int:class_id>/enrollments/<int:enrollment_id>/photo.jpg")
@roles("institution")
def roster_photo(class_id: int, enrollment_id: int):  # type: ignore[no-untyped-def]
    enrollment = _own_enrollment(class_id, enrollment_id)
    return _jpeg(photos.jpeg_of(db_session(), current_app.extensions["examsvc.keys"], enrollment.id, None))
