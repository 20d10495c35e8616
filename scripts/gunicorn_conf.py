"""gunicorn settings that its command line cannot hold (scripts/run.sh --production passes this file).

The metrics of several workers: with PROMETHEUS_MULTIPROC_DIR set, each worker writes its values to
files there and /metrics sums them (examsvc/core/metrics.py). When a worker exits, its files of
live gauges are removed; its counters and histograms stay, so that totals never go down.
"""

from __future__ import annotations

import os

from prometheus_client import multiprocess


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
