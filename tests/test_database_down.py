"""The database away for a while: a clear 503 (page or JSON) with Retry-After, no stack trace, and the
app answers normally again once it is back — no restart."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from examsvc.core.db import make_engine

from .helpers import Client

DEAD = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1"


def test_a_request_while_the_database_is_down_gets_503_then_recovers(app, world, officer):
    database = app.extensions["examsvc.db"]
    working = database.session_factory
    dead = make_engine(DEAD)
    database.session_factory = sessionmaker(bind=dead)
    try:
        page = officer.get("/officer/coverage/")
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        html = page.get_data(as_text=True)
        assert "数据库暂时无法连接" in html and "Traceback" not in html and "psycopg" not in html
        api = Client(app).raw.post("/api/v1/verify", json={"number": "AQ2026000001", "name": "x"})
        assert api.status_code == 503 and api.get_json()["status"] == 503
    finally:
        database.session_factory = working
        dead.dispose()
    assert officer.get("/officer/coverage/").status_code == 200  # back by itself
