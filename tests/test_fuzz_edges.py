"""Generated input against the edges a stranger reaches: sign-in (with any `next`), the TOTP step,
the public look-ups (page, form, JSON API, bulk file) and an institution's roster upload. At least
2,000 requests in all, derandomised, from varying client addresses; none may get a 5xx."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .class_helpers import new_class
from .conftest import PASSWORD
from .helpers import Client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STORABLE = st.characters(exclude_categories=("Cs",))  # a form cannot carry a lone surrogate at all
TEXT = st.text(STORABLE, max_size=80)
ANY_TEXT = st.text(max_size=80)  # JSON can: "\\ud800" is valid JSON text
ADDRESS = st.ip_addresses(v=4).map(str)
EACH = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SENT: Counter[str] = Counter()


def _ok(answer, where: str) -> None:  # type: ignore[no-untyped-def]
    SENT[where] += 1
    assert answer.status_code < 500, (where, answer.status_code, answer.get_data(as_text=True)[:300])


@pytest.fixture
def config_overrides():
    return {"verify_limit_per_minute": 100_000, "verify_bulk_files_per_hour": 100_000}


def test_generated_input_never_gets_a_server_error(app, world):
    stranger = Client(app)
    token = stranger.token("/login")
    pending = Client(app)
    pending.post("/login", {"username": "officer1", "password": PASSWORD})
    totp_token = pending.token("/login/totp")
    school = Client(app)
    world.login(school, "school1")
    class_id = new_class(school)
    school_token = school.token(f"/institution/classes/{class_id}")

    @EACH
    @given(username=TEXT, password=TEXT, next_=TEXT, where=ADDRESS)
    def sign_in(username: str, password: str, next_: str, where: str) -> None:
        form = {"csrf_token": token, "username": username, "password": password}
        answer = stranger.raw.post(
            "/login", query_string={"next": next_}, data=form, environ_base={"REMOTE_ADDR": where}
        )
        _ok(answer, "login")

    @EACH
    @given(code=TEXT, where=ADDRESS)
    def second_factor(code: str, where: str) -> None:
        form = {"csrf_token": totp_token, "code": code}
        _ok(pending.raw.post("/login/totp", data=form, environ_base={"REMOTE_ADDR": where}), "totp")

    @EACH
    @given(number=TEXT, name=TEXT, token_=TEXT)
    def look_up(number: str, name: str, token_: str) -> None:
        _ok(
            stranger.raw.post("/verify", data={"csrf_token": token, "number": number, "name": name}),
            "verify form",
        )
        _ok(stranger.raw.get("/verify", query_string={"number": number, "name": name}), "verify page")
        _ok(stranger.raw.get(f"/v/{token_.replace('/', '_') or 'x'}"), "certificate page")

    @EACH
    @given(body=st.dictionaries(st.sampled_from(["token", "number", "name", "x"]), ANY_TEXT | st.integers()))
    def api(body: dict) -> None:
        raw = json.dumps(body, ensure_ascii=True)
        _ok(stranger.raw.post("/api/v1/verify", data=raw, content_type="application/json"), "api")

    @EACH
    @given(data=st.binary(max_size=2000), name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a"]))
    def bulk(data: bytes, name: str) -> None:
        form = {"csrf_token": token, "sheet": (io.BytesIO(data), name)}
        _ok(stranger.raw.post("/verify/bulk", data=form, content_type="multipart/form-data"), "bulk")

    @EACH
    @given(data=st.binary(max_size=2000), name=st.sampled_from(["r.csv", "r.xlsx", "r.xls", "r"]))
    def roster(data: bytes, name: str) -> None:
        form = {"csrf_token": school_token, "roster": (io.BytesIO(data), name)}
        path = f"/institution/classes/{class_id}/roster"
        _ok(school.raw.post(path, data=form, content_type="multipart/form-data"), "roster")

    for run in (sign_in, second_factor, look_up, api, bulk, roster):
        run()
    print(dict(SENT))
    assert sum(SENT.values()) >= 2000, SENT
