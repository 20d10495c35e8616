"""At most once per idempotency key: a tablet's replay gets the stored answer, never a second write.

Tablets resend whatever they are not sure arrived (a dropped connection, an offline outbox). Each
submission carries a key the tablet made; the first answer is stored under it. The same key with
another body, or from another user, is refused: a key names one submission, not a slot.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..core.msgid import N_
from .errors import ResultError
from .models import IdempotencyRecord

KEY_SHAPE = re.compile(r"[0-9A-Za-z_-]{16,64}")  # what tablets send: hex or a UUID


@dataclass(frozen=True)
class Submission:
    key: str
    body: dict[str, object]  # the fields that make the submission what it is

    @property
    def digest(self) -> str:
        text = json.dumps(self.body, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def key_ok(self) -> bool:
        return KEY_SHAPE.fullmatch(self.key) is not None


def stored_answer(session: Session, user: User, submission: Submission) -> dict[str, object] | None:
    """The answer given to this submission before, if any; refused if the key was used otherwise."""
    stored = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == submission.key))
    if stored is None:
        return None
    if stored.body_hash != submission.digest or stored.user_id != user.id:
        raise ResultError(N_("This submission key was already used for something else."), status=422)
    return json.loads(stored.response)


def once(
    session: Session, user: User, submission: Submission, action: Callable[[], dict[str, object]]
) -> dict[str, object]:
    """Run `action` unless this submission was answered before; store its answer under the key."""
    found = stored_answer(session, user, submission)
    if found is not None:
        return found
    try:
        answer = action()
    except ResultError as exc:
        # A stale version may mean a duplicate of this very submission committed since we looked.
        again = stored_answer(session, user, submission) if exc.status == 409 else None
        if again is None:
            raise
        return again
    session.add(
        IdempotencyRecord(
            key=submission.key, user_id=user.id, body_hash=submission.digest, response=json.dumps(answer)
        )
    )
    session.flush()  # a concurrent duplicate under the same key fails here, on the unique key
    return answer
