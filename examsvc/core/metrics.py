"""The service's Prometheus metrics, defined once here so that every layer may count into them.

Every label takes values from a small fixed set: a route's pattern (never its path: on /v/<token>
the path is a certificate token whose claims hold a name), a method, a status class, a reason kind.
Never a user name. With PROMETHEUS_MULTIPROC_DIR set (gunicorn's several workers), each process
writes its values to files there and a scrape sums them (docs/operator-guide.md, "Metrics").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .db import utcnow

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Our own registry, not the library's global one: a scrape shows these and nothing a library adds.
REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_SECONDS = Histogram(
    "examsvc_http_request_duration_seconds",
    "Time to answer a request, by route pattern, method and status class.",
    ("route", "method", "status"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
SIGNIN_FAILURES = Counter(
    "examsvc_signin_failures",
    "Refused sign-in steps: a wrong password, a wrong TOTP code, or a try refused by the throttle.",
    ("reason",),
    registry=REGISTRY,
)
OUTBOX_LAG = Histogram(
    "examsvc_tablet_outbox_lag_seconds",
    "From a proctor tablet queueing an entry in its offline outbox to the server receiving it.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200),
    registry=REGISTRY,
)

SIGNIN_REASONS = frozenset({"password", "totp", "throttled"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# A tablet's queued-at time: epoch milliseconds as digits. A lag above a day, or a clock more than
# five minutes ahead of ours, is a wrong tablet clock rather than a lag: not observed.
OUTBOX_HEADER = "X-Outbox-Queued-At"
_EPOCH_MS = re.compile(r"[0-9]{1,15}")
OUTBOX_LAG_MAX = 24 * 3600.0
OUTBOX_SKEW_MAX = 300.0


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"  # any token is a method to HTTP: keep the set small
    REQUEST_SECONDS.labels(route, method, f"{status // 100}xx").observe(max(0.0, seconds))


def signin_failed(reason: str) -> None:
    if reason not in SIGNIN_REASONS:
        raise ValueError(f"not a sign-in failure reason: {reason!r}")
    SIGNIN_FAILURES.labels(reason).inc()


def outbox_lag(header: str | None, now: float | None = None) -> float | None:
    """Observe how long an entry waited in a tablet's outbox, from its header and the server's
    time (epoch seconds; default: now, the stamped time, not the exam clock: the tablet stamps
    its outbox with its own wall clock); the lag observed, or None for a missing, garbled or
    implausible header."""
    now = utcnow().timestamp() if now is None else now
    if header is None or not _EPOCH_MS.fullmatch(header.strip()):
        return None
    lag = now - int(header.strip()) / 1000
    if lag > OUTBOX_LAG_MAX or lag < -OUTBOX_SKEW_MAX:
        return None
    lag = max(0.0, lag)  # a tablet clock a little ahead of ours: it arrived at once
    OUTBOX_LAG.observe(lag)
    return lag


class _Collected:
    def __init__(self, collect) -> None:  # type: ignore[no-untyped-def]
        self.collect = collect


def exposition(scrape_time: Iterable[Metric] = ()) -> bytes:
    """The text a scrape reads: this process's values, or with PROMETHEUS_MULTIPROC_DIR set every
    worker's values summed from their files; plus metrics measured at scrape time (job gauges)."""
    registry = CollectorRegistry(auto_describe=False)
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        MultiProcessCollector(registry, path=path)
    else:
        registry.register(_Collected(REGISTRY.collect))
    families = list(scrape_time)
    registry.register(_Collected(lambda: families))
    return generate_latest(registry)
