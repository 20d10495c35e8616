"""`/healthz` for load balancers and operators: the database, Redis and the schema, nothing else."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..core.db import db_session
from ..core.migrate import is_current_on
from ..web.access import public

bp = Blueprint("ops", __name__)


def _database() -> str:
    try:
        db_session().execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means: not reachable
        current_app.logger.warning("healthz: database unreachable")
        return "unreachable"


def _redis() -> str:
    redis = current_app.extensions["examsvc.limiter"].redis
    if redis is None:
        return "not configured"
    try:
        redis.ping()
        return "ok"
    except Exception:  # noqa: BLE001
        current_app.logger.warning("healthz: Redis unreachable")
        return "unreachable"


def _migrations() -> str:
    try:
        return "current" if is_current_on(db_session().connection()) else "behind"
    except Exception:  # noqa: BLE001
        return "unknown"


@bp.route("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    checks = {"database": _database(), "redis": _redis(), "migrations": _migrations()}
    healthy = (
        checks["database"] == "ok"
        and checks["redis"] in {"ok", "not configured"}
        and checks["migrations"] == "current"
    )
    response = jsonify({"status": "ok" if healthy else "unhealthy", **checks})
    response.headers["Cache-Control"] = "no-store"
    return response, (200 if healthy else 503)
