"""Operations: /healthz says what is wrong, and request logs carry no personal data."""

from __future__ import annotations

import json
import logging

import pytest


def test_healthz_on_a_single_machine(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "migrations": "current",
    }


@pytest.mark.parametrize("config_overrides", [{"redis_url": "redis://127.0.0.1:9/0"}])
def test_healthz_names_what_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["redis"] == "unreachable" and response.get_json()["database"] == "ok"


def test_request_logs_hold_routes_not_tokens_or_names(client, world, caplog):
    token = "eyJhbGciOiJFZERTQSJ9.eyJuYW1lIjoi5byg5LiJIn0.c2ln"  # claims with a name in them
    with caplog.at_level(logging.INFO, logger="examsvc.requests"):
        client.get(f"/v/{token}")
        world.login(client, "school1")
        client.get("/institution/classes/")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "examsvc.requests"]
    routes = {line["route"] for line in lines}
    assert "/v/<token>" in routes and "/institution/classes/" in routes
    assert token not in caplog.text and "school1" not in caplog.text
    assert all(set(line) == {"method", "route", "status", "ms", "user"} for line in lines)
    assert any(isinstance(line["user"], int) for line in lines)


def test_prune_deletes_only_what_no_rule_reads(app, world):
    from datetime import timedelta

    from sqlalchemy import func, select

    from examsvc.auth.models import LoginAttempt, LoginSession, User
    from examsvc.cli import main
    from examsvc.core.db import db_session, utcnow
    from examsvc.jobs.models import Job, JobOutput
    from examsvc.web.ratelimit import RateCounter

    now = utcnow()
    with app.app_context():
        s = db_session()
        user = s.scalar(select(User.id).where(User.username == "school1"))
        jobs = [
            Job(key=f"k{n}", kind="files.export", params="{}", owner_id=user, state="done") for n in (1, 2)
        ]
        s.add_all(jobs)
        s.flush()
        s.add_all(
            JobOutput(job_id=job.id, filename="f", mimetype="x", size=1, sealed=b"x", expires_at=now + hours)
            for job, hours in zip(jobs, (timedelta(hours=-1), timedelta(hours=1)), strict=True)
        )
        s.add_all(
            [
                LoginSession(token_hash="a" * 64, user_id=user, expires_at=now - timedelta(hours=1)),
                LoginSession(token_hash="b" * 64, user_id=user, expires_at=now + timedelta(hours=1)),
                LoginAttempt(username="x", ip="1.2.3.4", at=now - timedelta(days=40), succeeded=False),
                LoginAttempt(username="x", ip="1.2.3.4", at=now - timedelta(minutes=1), succeeded=False),
                RateCounter(bucket="verify:1:0", count=3, window_ends=now - timedelta(minutes=5)),
                RateCounter(bucket="verify:1:1", count=3, window_ends=now + timedelta(minutes=1)),
            ]
        )
        s.commit()
    result = app.test_cli_runner().invoke(main, ["prune"])
    assert (
        result.exit_code == 0
        and "deleted 1 sessions, 1 sign-in attempts, 1 counters, 1 job files" in result.output
    )
    with app.app_context():
        s = db_session()
        left = [
            s.scalar(select(func.count()).select_from(m))
            for m in (LoginSession, LoginAttempt, RateCounter, JobOutput, Job)
        ]
    assert left == [1, 1, 1, 1, 2]  # the jobs stay, as a record that they ran
