"""Officers and admins search the audit trail and verify the chain from the browser; nobody else."""

from __future__ import annotations

import re

from sqlalchemy import text

from examsvc.core.db import db_session

from .helpers import Client


def test_search_by_action_actor_object_and_date(app, world, officer):
    admin = Client(app)
    world.login(admin, "admin1")

    def rows(client, query: str) -> list[str]:
        page = client.get(f"/audit/?{query}").get_data(as_text=True)
        return re.findall(r'<tr><td class="mono">(\d+)</td>', page)

    everything = rows(officer, "")
    assert everything and everything == sorted(everything, key=int, reverse=True)  # newest first
    logins = rows(officer, "action=user.login")
    assert logins and set(logins) < set(everything)
    assert rows(officer, "actor=nobody-at-all") == []
    assert rows(admin, "actor=officer1")
    assert rows(officer, "from=2999-01-01") == []
    assert officer.get("/audit/?from=not-a-date&page=x").status_code == 200  # ignored, not a 500


def test_verify_from_the_browser(app, world, officer):
    response = officer.get("/audit/verify")
    assert response.status_code == 200 and 'id="chain-status"' in response.get_data(as_text=True)


def test_others_are_refused(app, world):
    for username in ("school1", "proctor1"):
        client = Client(app)
        world.login(client, username)
        assert client.get("/audit/").status_code == 403 and client.get("/audit/verify").status_code == 403


def test_a_broken_chain_is_reported(app, world, officer):
    with app.app_context():
        s = db_session()
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        else:
            s.execute(text("DROP TRIGGER audit_event_no_update"))
        s.execute(text("UPDATE audit_event SET detail = 'forged' WHERE seq = 1"))
        s.commit()
    response = officer.get("/audit/verify")
    assert response.status_code == 409
