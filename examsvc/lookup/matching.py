"""Who is asking: the trainee named by an ID number, a name and a second factor they hold, or None.

A public look-up must be no oracle for personal data, so the answer and the work are the same
whatever is wrong (an unknown ID number, a wrong name, a wrong factor, another person's factor, a
malformed number): the three queries always run, the names are always compared, and nothing tells
which part failed. The second factor is an admission ticket number or a certificate number; both
are looked up every time, each by its own spelling.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..certificates.models import Certificate
from ..classes.models import Enrollment
from ..core.keyring import Keyring
from ..exams.models import AdmissionTicket
from ..exams.tickets import normalise_number
from ..trainees.models import Trainee
from ..trainees.service import hash_of

# Longer than any document, name or number we issue: a longer value is looked up truncated and
# never matches, so an over-long field gets the same answer as any other wrong one.
LIMITS = {"id_type": 20, "number": 40, "name": 60, "factor": 40}
NOBODY = -1  # the id compared with when no trainee has this ID number
DOTS = re.compile("[\u00b7\u2022\u2027\u30fb\u2219\u22c5.]")  # the dot in names such as 阿卜杜·热合曼


@dataclass(frozen=True)
class Claim:
    """What the trainee typed, as typed."""

    id_type: str
    number: str
    name: str
    factor: str

    def bounded(self) -> tuple[Claim, bool]:
        """Each value cut to its limit, and whether they all fitted."""
        values = {k: getattr(self, k)[:n] for k, n in LIMITS.items()}
        return Claim(**values), all(len(getattr(self, k)) <= n for k, n in LIMITS.items())


def person_key(keyring: Keyring, claim: Claim) -> str:
    """The keyed hash of the typed document: the trainee's lookup key, and what the per-person
    limit counts (an unknown or malformed number gets a hash too, so it is counted the same)."""
    bounded, _ = claim.bounded()
    return hash_of(keyring, bounded.id_type, bounded.number)


def same_name(typed: str, registered: str) -> bool:
    """Compared after NFKC (full-width forms), case folding, without whitespace and with one kind
    of middle dot: how people type the name on their ID card on a phone."""
    return hmac.compare_digest(_name_key(typed), _name_key(registered))


def _name_key(name: str) -> bytes:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return DOTS.sub("·", "".join(folded.split())).encode("utf-8")


def _certificate_number(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def find(session: Session, id_hash: str, claim: Claim) -> int | None:
    """The id of the trainee the claim names, or None; the same work whichever part is wrong."""
    bounded, fits = claim.bounded()
    row = session.execute(select(Trainee.id, Trainee.name).where(Trainee.id_hash == id_hash)).first()
    ticket_owner = session.scalar(
        select(Enrollment.trainee_id)
        .join(AdmissionTicket, AdmissionTicket.enrollment_id == Enrollment.id)
        .where(AdmissionTicket.number == normalise_number(bounded.factor))
    )
    certificate_owner = session.scalar(
        select(Certificate.trainee_id).where(Certificate.number == _certificate_number(bounded.factor))
    )
    trainee_id, registered = (row[0], row[1]) if row is not None else (NOBODY, "\x00")
    name_ok = same_name(bounded.name, registered)
    holds = (ticket_owner == trainee_id) | (certificate_owner == trainee_id)
    # & and |, not `and`/`or`: every part is evaluated, whichever fails first
    matched = (row is not None) & name_ok & holds & fits
    return trainee_id if matched else None
