"""`GET /metrics` for Prometheus, behind a bearer token: without EXAMSVC_METRICS_TOKEN it does not
exist (404), and with it only a request that sends the token gets an answer. No session is read.

The counters and histograms are core/metrics.py's; the job queue's gauges are read from the
database at scrape time, so they are right however many processes run jobs."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from ..core import metrics
from ..core.db import db_session
from ..jobs.queue import queue_stats
from ..web.access import public
from ..web.viewutil import clock_now

bp = Blueprint("metrics", __name__)


def _authorised(token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    # Bytes, compared in constant time: a header may hold any Latin-1 text, which compare_digest
    # refuses as str.
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.strip().encode(), token.encode())


def job_gauges() -> list[Metric]:
    """The job queue as it stands; none if the database cannot say (the rest is still scraped)."""
    try:
        stats = queue_stats(db_session(), clock_now())
    except Exception:  # noqa: BLE001 - a scrape must not fail with the database
        current_app.logger.warning("metrics: job queue unreadable")
        return []
    return [
        GaugeMetricFamily("examsvc_jobs_queued", "Jobs waiting for a worker.", value=stats.depth),
        GaugeMetricFamily("examsvc_jobs_running", "Jobs a worker is running.", value=stats.running),
        GaugeMetricFamily(
            "examsvc_jobs_oldest_queued_age_seconds",
            "How long the oldest waiting job has waited (0 when none waits).",
            value=stats.oldest_queued_seconds,
        ),
    ]


@bp.route("/metrics")
@public  # to a signed-in user as to anyone: only the token opens it
def scrape():  # type: ignore[no-untyped-def]
    token = current_app.config["EXAMSVC"].metrics_token
    if not token:
        abort(404)
    if not _authorised(token):
        return Response("401 unauthorized\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    response = Response(metrics.exposition(job_gauges()), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
