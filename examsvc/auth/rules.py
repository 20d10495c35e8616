"""Pure rules of access: which roles need a second factor, which organisation a role belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, urlsplit

TOTP_ROLES = frozenset({"admin", "officer"})

# A user's role must fit the kind of organisation they belong to: proctors come from county
# departments, never from a training institution (培考分离).
ROLE_ORG_KIND = {
    "admin": "bureau",
    "officer": "bureau",
    "proctor": "county",
    "institution": "institution",
}

HOME_ENDPOINT = {
    "admin": "admin.home",
    "officer": "home.officer",
    "proctor": "home.proctor",
    "institution": "home.institution",
}


def needs_totp(role: str) -> bool:
    return role in TOTP_ROLES


def role_fits_org(role: str, org_kind: str) -> bool:
    return ROLE_ORG_KIND.get(role) == org_kind


@dataclass(frozen=True)
class ThrottleLimits:
    """Sign-in throttling. One client guessing at one account waits longer after each failure past
    the free tries; one client failing on many accounts is stopped for the window. There is no
    lock on the account itself: a stranger's failures never keep its owner out."""

    free_tries: int  # failures of one client on one account before it must wait
    per_client: int  # failures of one client, on any accounts, within the window: then refused
    window: timedelta
    first_delay_seconds: int = 30
    max_delay_seconds: int = 900
    alert_failures: int = 50  # failures on one account from any clients within the window: alert

    def delay_after(self, failures: int) -> int:
        """Seconds a client waits after its `failures`-th recent failure on an account."""
        if failures < self.free_tries:
            return 0
        doublings = min(failures - self.free_tries, 20)
        return min(self.first_delay_seconds * 2**doublings, self.max_delay_seconds)


NEXT_MAX = 2000


def safe_next(target: str | None) -> str | None:
    """Where to go after signing in: a path on this site, or None (then the role's home page).

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so "/\t/evil" and
    "/\\evil" leave the site; an encoded "%2F%2Fevil" may be decoded once more on the way. So any
    control character, whitespace or backslash refuses the target, and it must stay a plain path
    however many times it is decoded."""
    if not target or len(target) > NEXT_MAX:
        return None
    decoded = target
    for _ in range(3):  # a target decoded again by a proxy or a browser must still be a path
        if any(c.isspace() or c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in decoded):
            return None
        parts = urlsplit(decoded)
        if not decoded.startswith("/") or decoded.startswith("//") or parts.scheme or parts.netloc:
            return None
        once_more = unquote(decoded)
        if once_more == decoded:
            return target
        decoded = once_more
    return None  # encoded three times over: nobody sends that in good faith
