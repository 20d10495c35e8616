"""Photos on the proctor's tablet: the one taken at check-in (sent through the offline outbox, as
JSON with the JPEG in base 64) and, to compare with it, the one the institution sent.

Both are shown only to a proctor of the sitting, for a candidate on its roster, never cached; the
officer sees them on the results page through the same check of who may look.
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.service import actor_of
from ..classes import photos
from ..classes.models import Enrollment
from ..core.db import db_session
from ..core.msgid import RuleError
from ..web.access import roles
from ..web.viewutil import clock_now, get_or_404
from . import results
from .models import Sitting
from .roster import on_roster
from .service import is_assigned

bp = Blueprint("photos", __name__, url_prefix="/proctor/sittings")
BASE64_MAX = (photos.MAX_BYTES + 2) // 3 * 4  # the largest photo's text: longer is refused unread


def _mine(sitting_id: int, enrollment_id: int) -> tuple[Sitting, Enrollment]:
    sitting, enrollment = get_or_404(Sitting, sitting_id), get_or_404(Enrollment, enrollment_id)
    s = db_session()
    if not is_assigned(s, sitting, current_user) or not on_roster(s, sitting, enrollment):
        abort(404)  # another sitting's candidates do not exist for this proctor
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
