"""Pure rules of access: which roles need a second factor, which organisation a role belongs to."""

from __future__ import annotations

from dataclasses import dataclass

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
    per_username: int
    per_ip: int


def is_throttled(failures_for_username: int, failures_from_ip: int, limits: ThrottleLimits) -> bool:
    return failures_for_username >= limits.per_username or failures_from_ip >= limits.per_ip
