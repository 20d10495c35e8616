"""Prometheus metrics and JSON logs: /metrics opens only to its bearer token; requests are labelled
by route pattern, never by path; sign-in failures, tablet outbox lag and the job queue are counted;
several processes' values are summed; every examsvc.* log line is one JSON object."""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from examsvc.auth.models import User
from examsvc.core import metrics
from examsvc.core.config import Config, ConfigError
from examsvc.core.crypto import totp
from examsvc.core.db import db_session, make_engine
from examsvc.jobs import queue
from examsvc.ops import metrics_views
from examsvc.web import request_log
from examsvc.web.request_log import JsonLines, log_json_lines

from .conftest import PASSWORD
from .tablet_helpers import base, enrollments

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "metrics-token-0123456789-abcdefghij"
TOKENED = pytest.mark.parametrize("config_overrides", [{"metrics_token": TOKEN}])
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def scrape(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def value(exposition: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels`."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_without_a_configured_token_there_are_no_metrics(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@TOKENED
@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", f"Bearer {TOKEN}x", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", "Bearer é"],
)
def test_a_wrong_or_missing_token_is_refused(client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401 and "examsvc_" not in response.get_data(as_text=True)


@TOKENED
def test_the_token_opens_them_and_a_session_does_not(officer):
    assert officer.get("/metrics").status_code == 401
    assert "examsvc_http_request_duration_seconds" in scrape(officer)


@TOKENED
def test_requests_are_labelled_by_route_pattern_never_by_path(client):
    token = "eyJhbGciOiJFZERTQSJ9.eyJuYW1lIjoi5byg5LiJIn0.c2ln"  # claims with a name in them
    count = "examsvc_http_request_duration_seconds_count"
    before = scrape(client)
    client.get(f"/v/{token}")
    client.get(f"/v/{token}")
    client.get(f"/no-such-page/{token}")
    after = scrape(client)
    assert value(after, count, route="/v/<token>") - value(before, count, route="/v/<token>") == 2
    assert value(after, count, route="(no route)", status="4xx") > value(before, count, route="(no route)")
    assert token not in after and "no-such-page" not in after


def test_the_verification_fast_path_is_timed_as_well():
    """The fast path (certificates/fast_verify.py) answers below Flask and calls request_log.write."""
    labels = {"route": "/api/v1/verify", "method": "POST", "status": "2xx"}
    name = "examsvc_http_request_duration_seconds_count"
    before = metrics.REGISTRY.get_sample_value(name, labels) or 0
    request_log.write("POST", "/api/v1/verify", 200, time.perf_counter(), user=None)
    request_log.write("BREW", "/api/v1/verify", 200, time.perf_counter(), user=None)
    assert metrics.REGISTRY.get_sample_value(name, labels) == before + 1
    assert metrics.REGISTRY.get_sample_value(name, {**labels, "method": "other"}) >= 1


@pytest.mark.parametrize("config_overrides", [{"metrics_token": TOKEN, "login_max_failures": 1}])
def test_failed_sign_ins_are_counted_by_reason_never_by_name(client, world):
    before = scrape(client)
    client.post("/login", {"username": "school1", "password": "wrong-password-1"})
    client.post("/login", {"username": "school1", "password": PASSWORD})  # within the delay: refused
    officer = type(client)(client.app)
    officer.post("/login", {"username": "officer1", "password": PASSWORD})
    secret = world.totp_secrets["officer1"]
    near = {totp.code_at(secret, time.time() + step) for step in (-30, 0, 30)}
    officer.post("/login/totp", {"code": next(c for c in ("000000", "111111", "222222") if c not in near)})
    after = scrape(client)
    name = "examsvc_signin_failures_total"
    for reason in ("password", "throttled", "totp"):
        assert value(after, name, reason=reason) - value(before, name, reason=reason) == 1, reason
    assert "school1" not in after and "officer1" not in after


@pytest.mark.parametrize(
    ("header", "lag"),
    [
        (str(1_000_000_000_000 - 90_000), 90.0),  # 90 s in the outbox
        (str(1_000_000_000_000 + 60_000), 0.0),  # a tablet clock a minute ahead: at once
        (" 999999910000 ", 90.0),
        (None, None),
        ("", None),
        ("yesterday", None),
        ("-5000", None),
        ("1e12", None),
        ("9" * 16, None),  # more digits than any epoch in milliseconds
        (str(1_000_000_000_000 + 3_600_000), None),  # an hour ahead: a wrong clock, not a lag
        (str(1_000_000_000_000 - 2 * 86_400_000), None),  # two days: a wrong clock
    ],
)
def test_outbox_lag_from_the_header(header, lag):
    count = metrics.REGISTRY.get_sample_value("examsvc_tablet_outbox_lag_seconds_count")
    assert metrics.outbox_lag(header, 1_000_000_000.0) == lag
    after = metrics.REGISTRY.get_sample_value("examsvc_tablet_outbox_lag_seconds_count")
    assert after == count + (lag is not None)


def test_the_tablet_sends_when_it_queued_each_entry_and_the_server_observes_it(app, sitting, tablet):
    assert f'"{metrics.OUTBOX_HEADER}": String(entry.made)' in (ROOT / "examsvc/static/tablet.js").read_text()
    first, second = enrollments(app, sitting)[:2]
    count, total = "examsvc_tablet_outbox_lag_seconds_count", "examsvc_tablet_outbox_lag_seconds_sum"
    before = (metrics.REGISTRY.get_sample_value(count), metrics.REGISTRY.get_sample_value(total))
    queued = str(int(time.time() * 1000) - 120_000)  # two minutes offline
    token = tablet.token("/proctor")
    answer = tablet.raw.post(
        f"{base(sitting, first)}/check-in",
        json={"idempotency_key": "k" * 32, "presence": "present", "seat_no": 1},
        headers={"X-CSRFToken": token, metrics.OUTBOX_HEADER: queued},
    )
    assert answer.status_code == 200, answer.get_json()
    garbage = tablet.raw.post(
        f"{base(sitting, second)}/check-in",
        json={"idempotency_key": "g" * 32, "presence": "present", "seat_no": 2},
        headers={"X-CSRFToken": token, metrics.OUTBOX_HEADER: "undefined"},
    )
    assert garbage.status_code == 200
    assert metrics.REGISTRY.get_sample_value(count) == before[0] + 1
    assert 120 <= metrics.REGISTRY.get_sample_value(total) - before[1] < 130


@TOKENED
def test_job_gauges_are_read_from_queue_stats(client, monkeypatch):
    asked = []

    def stats(session, now):  # type: ignore[no-untyped-def]
        asked.append(now)
        return queue.QueueStats(depth=4, running=2, oldest_queued_seconds=12.5)

    monkeypatch.setattr(metrics_views, "queue_stats", stats)
    exposition = scrape(client)
    assert len(asked) == 1
    assert value(exposition, "examsvc_jobs_queued") == 4
    assert value(exposition, "examsvc_jobs_running") == 2
    assert value(exposition, "examsvc_jobs_oldest_queued_age_seconds") == 12.5


@TOKENED
def test_job_gauges_on_the_real_queue(app, world, client):
    with app.app_context():
        s = db_session()
        owner = s.query(User).filter_by(username="officer1").one().id
        now = app.extensions["examsvc.clock"].now()
        queue.ask(s, "test", "test:1", owner, {}, now - timedelta(seconds=60))
        queue.ask(s, "test", "test:2", owner, {}, now - timedelta(seconds=5))
        s.commit()
    exposition = scrape(client)
    assert value(exposition, "examsvc_jobs_queued") == 2
    assert 60 <= value(exposition, "examsvc_jobs_oldest_queued_age_seconds") < 90


@TOKENED
def test_a_scrape_survives_an_unreadable_job_queue(client, monkeypatch):
    def broken(session, now):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT", {}, Exception("down"))

    monkeypatch.setattr(metrics_views, "queue_stats", broken)
    exposition = scrape(client)
    assert "examsvc_jobs_queued" not in exposition and "examsvc_signin_failures" in exposition


COUNT_IN_A_WORKER = """
from examsvc.core import metrics
metrics.SIGNIN_FAILURES.labels("totp").inc({n})
metrics.observe_request("GET", "/multiprocess-test", 200, 0.2)
"""


@TOKENED
def test_several_processes_are_summed_in_multiprocess_mode(client, tmp_path, monkeypatch):
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for n in (3, 4):  # two workers, each counting in its own files
        subprocess.run([sys.executable, "-c", COUNT_IN_A_WORKER.format(n=n)], env=env, cwd=ROOT, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    exposition = scrape(client)  # this process's own values are not in the files: only the workers'
    assert value(exposition, "examsvc_signin_failures_total", reason="totp") == 7
    count = "examsvc_http_request_duration_seconds_count"
    assert value(exposition, count, route="/multiprocess-test") == 2


def test_the_dashboard_and_the_guide_name_every_metric_and_no_other(app, monkeypatch):
    monkeypatch.setattr(metrics_views, "queue_stats", lambda session, now: queue.QueueStats(0, 0, 0.0))
    with app.test_request_context():
        families = [*metrics.REGISTRY.collect(), *metrics_views.job_gauges()]
    names = {f.name + ("_total" if f.type == "counter" else "") for f in families}
    assert len(names) == 6
    dashboard = json.loads((ROOT / "docs/grafana-examsvc.json").read_text())
    assert dashboard["schemaVersion"] >= 36 and dashboard["panels"]
    used = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            found = re.findall(r"examsvc_\w+", target["expr"])
            used |= {re.sub(r"_(bucket|count|sum)$", "", name) for name in found}
    assert used == names
    guide = (ROOT / "docs/operator-guide.md").read_text()
    assert all(f"`{name}`" in guide for name in names)


def test_every_examsvc_logger_writes_one_json_object_a_line():
    stream = io.StringIO()
    parent = logging.getLogger("examsvc")
    saved = (parent.level, parent.propagate, list(parent.handlers), request_log.log.level)
    parent.handlers[:] = []  # as in a new process (a production app made by another test installs it)
    try:
        handler = log_json_lines(stream)
        assert handler is not None and log_json_lines(io.StringIO()) is None  # once per process
        logging.getLogger("examsvc.jobs").info("job %s done", 7)
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            parent.exception("Exception on %s [%s]", "/v/<token>", "GET")  # as web/errors.py logs it
        request_log.write("GET", "/healthz", 200, time.perf_counter(), user=3)
    finally:
        parent.handlers[:] = saved[2]
        parent.setLevel(saved[0])
        parent.propagate = saved[1]
        request_log.log.setLevel(saved[3])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["examsvc.jobs", "examsvc", "examsvc.requests"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"]) for line in lines)
    assert lines[0]["level"] == "INFO" and lines[0]["message"] == "job 7 done"
    assert lines[1]["level"] == "ERROR" and "ZeroDivisionError" in lines[1]["exc"]
    request = lines[2]
    assert {"method": "GET", "route": "/healthz", "status": 200, "user": 3}.items() <= request.items()
    assert set(request) == {"time", "level", "logger", "method", "route", "status", "ms", "user"}


def test_a_logged_database_error_carries_no_parameters():
    """Guard: core.db.make_engine hides SQL parameters (a name or a number could be one)."""
    secret = "张三-110101199003077777"
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table WHERE name = :name"), {"name": secret})
    except OperationalError:
        record = logging.LogRecord("examsvc", logging.ERROR, __file__, 0, "failed", (), sys.exc_info())
        line = JsonLines().format(record)
    finally:
        engine.dispose()
    assert "no_such_table" in line and secret not in json.loads(line)["exc"]


def test_production_refuses_a_short_metrics_token():
    production = Config(
        env="production", secret_key="s" * 40, key_dir=Path("/srv/keys"), base_url="https://x.cn"
    )
    with pytest.raises(ConfigError, match="EXAMSVC_METRICS_TOKEN"):
        replace(production, metrics_token="short").check()
    replace(production, metrics_token=TOKEN).check()
