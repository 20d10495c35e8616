"""An employer's staff standing (/employer) and the bureau's per enterprise (一企一册): the rules, the
upload's bounds and limits, the signed rows behind the downloads, and what a wrong name never tells."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from openpyxl import load_workbook
from sqlalchemy import event, select

from examsvc.audit.models import AuditEvent
from examsvc.certificates import standing
from examsvc.certificates.bulk import MAX_ROWS, Query
from examsvc.certificates.hours import Credit, annual_requirement
from examsvc.certificates.standing import BadSeal, Standing, classify, hours_this_year, standing_of
from examsvc.core.db import BEIJING, db_session
from examsvc.orgs.models import Organisation
from examsvc.trainees.models import Trainee

from .cert_helpers import certified
from .class_helpers import person
from .conftest import PASSWORD
from .helpers import Client, csrf_token_in
from .paper_helpers import pdf_text

TODAY = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 12, tzinfo=BEIJING)


# --- the rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "days_left", "expiring_days", "expected"),
    [
        ("valid", 90, 90, "expiring"),  # the last day is exactly N days away: expiring
        ("valid", 91, 90, "valid"),
        ("valid", 0, 90, "expiring"),
        ("valid", 1, 0, "valid"),
        ("expired", 10, 90, "expired"),
        ("revoked", 10, 90, "revoked"),
        ("suspended", 10, 90, "suspended"),
    ],
)
def test_expiring_within_n_days(status, days_left, expiring_days, expected):
    assert classify(status, TODAY + timedelta(days=days_left), TODAY, expiring_days) == expected


@pytest.mark.parametrize(
    ("credits", "industry", "credited", "required", "short"),
    [
        ([], "construction", 0, 12, 12),
        ([], "coal_mine", 0, 16, 16),
        ([Credit(2026, 8, "construction")], "construction", 8, 12, 4),
        ([Credit(2026, 8, "coal_mine")], "construction", 8, 16, 8),  # the strictest industry counts
        ([Credit(2026, 24, "construction")], "construction", 24, 12, 0),  # never negative
        ([Credit(2026, 6, "fireworks"), Credit(2026, 10, "trade")], "trade", 16, 16, 0),
    ],
)
def test_hours_short_this_year(credits, industry, credited, required, short):
    assert hours_this_year(credits, industry) == (credited, required)
    found = standing_of(1, "甲", "AQ1", "valid", NOW + timedelta(days=900), credits, industry, NOW, 90)
    assert (found.hours_credited, found.hours_required, found.hours_short) == (credited, required, short)


def test_not_found_tells_nothing_else():
    found = standing_of(2, "甲", "AQ1", "not_found", NOW, [Credit(2026, 8, "trade")], "trade", NOW, 90)
    assert found == Standing(2, "甲", "AQ1", "not_found")
    assert found.hours_short is None and found.expires_on is None


def test_a_revoked_certificate_keeps_its_status_and_expiry():
    found = standing_of(3, "甲", "AQ1", "revoked", datetime(2027, 1, 1, tzinfo=UTC), [], "trade", NOW, 900)
    assert (found.status, found.expires_on) == ("revoked", date(2027, 1, 1))


def test_sealed_rows_come_back_only_unaltered_and_in_time():
    rows = [Query(2, "学员1", "AQ2026000001"), Query(4, "张三", "aq2026000002 ")]
    token = standing.seal(rows, "k" * 32, NOW)
    assert standing.unseal(token, "k" * 32, NOW + timedelta(minutes=59), 3600) == rows
    for bad in (
        lambda: standing.unseal(token, "k" * 32, NOW + timedelta(seconds=3601), 3600),  # too old
        lambda: standing.unseal(token, "other key" * 4, NOW, 3600),
        lambda: standing.unseal(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "k" * 32, NOW, 3600),
        lambda: standing.unseal("", "k" * 32, NOW, 3600),
    ):
        with pytest.raises(BadSeal):
            bad()
    # Signed by us but not rows (a status smuggled in is refused too): only row, number, name.
    forged = URLSafeTimedSerializer("k" * 32, salt=standing.SEAL_SALT).dumps([[1, "AQ1", "甲", "valid"]])
    with pytest.raises(BadSeal):
        standing.unseal(forged, "k" * 32, datetime.now(UTC), 3600)


# --- the employer's page -----------------------------------------------------------------------


def _sheet(rows: list[list[str]], header=("姓名", "证书编号")) -> bytes:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    csv.writer(out).writerows([list(header), *rows])
    return out.getvalue().encode("utf-8-sig")


def _upload(client, data: bytes, name: str = "员工.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        "/employer", {"sheet": (io.BytesIO(data), name)}, page="/employer", content_type="multipart/form-data"
    )


def _sealed(html: str) -> str:
    return re.search(r'name="rows" value="([^"]+)"', html).group(1)


def _download(client, html: str, fmt: str, sealed: str | None = None):  # type: ignore[no-untyped-def]
    form = {"csrf_token": csrf_token_in(html), "rows": _sealed(html) if sealed is None else sealed}
    return client.raw.post(f"/employer/standing.{fmt}", data=form)


def _table_rows(html: str) -> list[str]:
    body = html.split('id="standing-rows"', 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"\s+", " ", r) for r in re.findall(r"<tr( data-status.*?)</tr>", body, re.S)]


def _statuses(html: str) -> list[str]:
    return [re.search(r'data-status="(\w+)"', r).group(1) for r in _table_rows(html)]


def _cells(xlsx: bytes) -> list[list[object]]:
    return [list(r) for r in load_workbook(io.BytesIO(xlsx)).worksheets[0].iter_rows(values_only=True)]


def _set(app, **overrides):  # type: ignore[no-untyped-def]
    app.config["EXAMSVC"] = app.config["EXAMSVC"].with_overrides(overrides)


@pytest.fixture
def certs(app, sitting, tablet, officer):  # type: ignore[no-untyped-def]
    """学员1 and 学员2 passed (学员2's certificate then revoked), 学员3 failed."""
    found = certified(app, sitting, tablet, officer)
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{found[1].id}/revoke", {"reason": "代签到"}, page=page)
    return found


def _required(app, name: str) -> int:
    with app.app_context():
        return annual_requirement(db_session().scalar(select(Trainee.industry).where(Trainee.name == name)))


def test_the_standing_on_screen_and_in_both_files(app, client, certs, tmp_path):
    one, two = person(1), person(2)
    rows = [
        [one[0], certs[0].number],
        [two[0], certs[1].number],
        ["张三", certs[0].number],
        [one[0], "AQ2026999999"],
    ]
    answer = _upload(client, _sheet(rows))
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    shown = _table_rows(html)
    assert _statuses(html) == ["valid", "revoked", "not_found", "not_found"]
    assert "有效" in shown[0] and "已撤销" in shown[1] and all("未找到" in r for r in shown[2:])
    required = _required(app, two[0])
    assert f"0 / {required}" in shown[1] and f"还差 {required} 学时" in shown[1]  # revoked: credits nothing
    assert "已达标" in shown[0]  # 24 hours credited this year
    until = certs[0].expires_at.astimezone(BEIJING).date().isoformat()
    assert until in shown[0] and until not in shown[2]  # a wrong name learns no expiry
    assert 'id="count-valid"' in html and 'id="count-not_found"' in html
    assert one[2] not in html and "*" not in "".join(shown)  # no ID number, not even masked
    # The signed rows are what was uploaded, nothing more.
    payload = URLSafeTimedSerializer("x").loads_unsafe(_sealed(html))[1]
    assert payload == [[n, r[1], r[0]] for n, r in enumerate(rows, start=2)]
    with app.app_context():
        audited = db_session().scalar(
            select(AuditEvent).where(AuditEvent.action == "certificate.standing_check")
        )
        assert '"rows":4' in audited.detail.replace(" ", "") and one[0] not in audited.detail

    xlsx = _download(client, html, "xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["Content-Disposition"].endswith(".xlsx")
    cells = _cells(xlsx.get_data())
    assert cells[0] == standing.HEADER_ZH
    assert [r[1:4] for r in cells[1:]] == [
        [one[0], certs[0].number, "有效"],
        [two[0], certs[1].number, "已撤销"],
        ["张三", certs[0].number, "未找到"],
        [one[0], "AQ2026999999", "未找到"],
    ]
    assert cells[1][4] == until and cells[2][7] == required and cells[3][4:] == [None] * 4

    pdf = _download(client, html, "pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.get_data(), tmp_path)
    for expected in (one[0], two[0], "张三", certs[0].number, "有效", "已撤销", "未找到", "从业人员持证情况"):
        assert expected in text, expected
    assert one[2] not in text


def test_a_wrong_name_and_an_unknown_number_answer_alike(app, client, certs):
    """Guard: standing.check answers a wrong name with Standing(row, name, number, not_found), as
    verdicts_by_number does an unknown number: the whole page and the file are the same, but for the
    number itself, the signed rows that carry it, the form's token and the time."""
    pages, files = [], []
    for number in (certs[0].number, "AQ2026999999"):
        html = _upload(client, _sheet([["张三", number]])).get_data(as_text=True)
        cells = _cells(_download(client, html, "xlsx").get_data())
        html = html.replace(_sealed(html), "S").replace(csrf_token_in(html), "T").replace(number, "N")
        pages.append(re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "D", html))
        files.append([["N" if c == number else c for c in row] for row in cells])
    assert 'data-status="not_found"' in pages[0]
    assert pages[0] == pages[1] and files[0] == files[1]


def test_expiring_at_exactly_n_days_through_the_page(app, client, certs):
    clock = app.extensions["examsvc.clock"]
    days = (certs[0].expires_at.astimezone(BEIJING).date() - clock.now().astimezone(BEIJING).date()).days
    sheet = _sheet([[person(1)[0], certs[0].number]])
    _set(app, employer_expiring_days=days)
    assert _statuses(_upload(client, sheet).get_data(as_text=True)) == ["expiring"]
    _set(app, employer_expiring_days=days - 1)
    assert _statuses(_upload(client, sheet).get_data(as_text=True)) == ["valid"]


BAD_SHEETS = {
    "empty": (b"", "staff.csv", "文件为空"),
    "columns": (_sheet([["学员1", "AQ2026000001"]], header=("名字", "号码")), "staff.csv", "首行须为列名"),
    "header-only": (_sheet([]), "staff.csv", ""),
    "row-problem": (_sheet([["学员1", "AQ1"], ["", "AQ2"]]), "staff.csv", "<td>3</td><td>姓名</td><td>必填"),
    "too-many-rows": (
        _sheet([["学员1", f"AQ{n:010d}"] for n in range(MAX_ROWS + 1)]),
        "a.csv",
        "超过 5000 行",
    ),
    "too-big": (b"a" * (5 * 1024 * 1024 + 1), "staff.csv", "文件大于 5 MB"),
    "not-a-sheet": (b"%PDF-1.4", "staff.pdf", ".xlsx"),
    "bad-xlsx": (b"not a zip", "staff.xlsx", ".xlsx"),
}


@pytest.mark.parametrize(("data", "name", "expected"), BAD_SHEETS.values(), ids=BAD_SHEETS.keys())
def test_a_bad_sheet_is_refused_whole(app, client, data, name, expected):
    answer = _upload(client, data, name)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'id="problems"' in html and 'id="standing-rows"' not in html and 'name="rows"' not in html
    assert expected in html


def test_uploads_and_rows_are_counted_per_address(app, client):
    _set(app, verify_bulk_files_per_hour=2)
    sheet = _sheet([["学员1", "AQ2026000001"]])
    assert [_upload(client, sheet).status_code for _ in range(3)] == [200, 200, 429]
    refused = _upload(client, sheet)
    assert refused.headers["Retry-After"] == "3600" and "每小时最多 2 个文件" in refused.get_data(
        as_text=True
    )
    # the counter is the one /verify/bulk uses: one page does not double the other's allowance
    upload = {"sheet": (io.BytesIO(sheet), "a.csv")}
    assert (
        client.post("/verify/bulk", upload, page="/verify", content_type="multipart/form-data").status_code
        == 429
    )

    _set(app, verify_bulk_files_per_hour=20, verify_bulk_rows_per_day=2)
    answer = _upload(client, _sheet([["学员1", "AQ2026000001"], ["学员2", "AQ2026000002"]]))
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "86400"  # 2 rows above + 2


def test_downloads_are_counted(app, client, certs):
    html = _upload(client, _sheet([[person(1)[0], certs[0].number]])).get_data(as_text=True)
    _set(app, verify_bulk_files_per_hour=1)
    assert [_download(client, html, "xlsx").status_code for _ in range(2)] == [200, 429]


def test_csrf_is_required(app, client, certs):
    sheet = _sheet([[person(1)[0], certs[0].number]])
    assert client.raw.post("/employer", data={"sheet": (io.BytesIO(sheet), "a.csv")}).status_code == 400
    html = _upload(client, sheet).get_data(as_text=True)
    for fmt in ("xlsx", "pdf"):
        assert client.raw.post(f"/employer/standing.{fmt}", data={"rows": _sealed(html)}).status_code == 400
        other = Client(app)  # a token of another session
        stolen = {"rows": _sealed(html), "csrf_token": other.token("/employer")}
        assert client.raw.post(f"/employer/standing.{fmt}", data=stolen).status_code == 400


def test_altered_or_old_rows_are_refused(app, client, certs):
    html = _upload(client, _sheet([[person(1)[0], certs[0].number]])).get_data(as_text=True)
    sealed = _sealed(html)
    body, stamp, signature = sealed.rsplit(".", 2)
    swapped = f"{body}.{stamp}.{signature[::-1]}"
    forged = URLSafeTimedSerializer("not our key", salt=standing.SEAL_SALT).dumps(
        [[2, certs[1].number, "学员2"]]
    )
    for bad in (swapped, forged, "", "x" * 50):
        answer = _download(client, html, "xlsx", sealed=bad)
        assert answer.status_code == 400 and 'id="notice"' in answer.get_data(as_text=True)
    app.extensions["examsvc.clock"].advance(timedelta(hours=1, seconds=1))
    assert _download(client, html, "xlsx").status_code == 400


def test_names_echoed_into_the_file_are_never_formulas(app, client):
    names = ['=HYPERLINK("http://evil.example")', "+1+1", "@SUM(1)"]
    sheet = _sheet([[n, f"AQ2026{i:06d}"] for i, n in enumerate(names)])
    html = _upload(client, sheet).get_data(as_text=True)
    cells = _cells(_download(client, html, "xlsx").get_data())
    assert [r[1] for r in cells[1:]] == ["'" + n for n in names]


def test_statuses_are_checked_again_at_download(app, client, certs, officer, sitting):
    html = _upload(client, _sheet([[person(1)[0], certs[0].number]])).get_data(as_text=True)
    page = f"/officer/classes/{sitting.class_id}"
    officer.post(f"/officer/certificates/{certs[0].id}/suspend", {"reason": "申诉处理中"}, page=page)
    assert _cells(_download(client, html, "xlsx").get_data())[1][3] == "已暂停"


def test_a_bigger_sheet_costs_no_more_queries(app, engine, client, certs):
    counted: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "FROM certificate" in statement or "FROM trainee" in statement:
            counted.append(statement)

    def queries_for(rows: int) -> int:
        counted.clear()
        one = person(1)[0]
        sheet = _sheet([[one, certs[0].number if n % 2 else f"AQ2026{n:06d}"] for n in range(rows)])
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert _upload(client, sheet).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    small, big = queries_for(10), queries_for(1_000)
    assert small >= 2 and big <= small + 2, (small, big)


# --- the bureau's view per enterprise ----------------------------------------------------------


def _employer_id(app) -> int:
    with app.app_context():
        return db_session().scalar(select(Organisation.id).where(Organisation.kind == "employer"))


def test_the_officer_sees_an_enterprise_staff(app, officer, certs, world):
    org = _employer_id(app)
    answer = officer.get(f"/officer/enterprises/{org}/staff")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    for n in (1, 2, 3):
        assert person(n)[0] in html and person(n)[2] not in html
    assert certs[0].number in html and 'id="count-no_certificate"' in html  # 学员3 failed
    assert 'id="count-revoked"' in html
    cells = _cells(officer.get(f"/officer/enterprises/{org}/staff.xlsx").get_data())
    by_name = {r[1]: r for r in cells[1:]}
    assert by_name[person(1)[0]][2:4] == [certs[0].number, "有效"]
    assert by_name[person(2)[0]][3] == "已撤销" and by_name[person(3)[0]][3] == "无合格证"
    with app.app_context():
        trainee = db_session().scalar(select(Trainee.id).where(Trainee.name == person(1)[0]))
    trainee_page = officer.get(f"/officer/trainees/{trainee}").get_data(as_text=True)
    assert f"/officer/enterprises/{org}/staff" in trainee_page  # linked from each of its staff
    listed = officer.get("/officer/enterprises/").get_data(as_text=True)
    row = listed[listed.index(f"/officer/enterprises/{org}/staff") :].split("</tr>")[0]
    assert "<td>3</td>" in row  # its three trainees, counted


def test_only_officers_and_only_enterprises(app, officer, certs, world, school, client):
    org = _employer_id(app)
    admin = Client(app)
    world.login(admin, "admin1")
    for path in (f"/officer/enterprises/{org}/staff", f"/officer/enterprises/{org}/staff.xlsx"):
        assert school.get(path).status_code == 403
        assert client.get(path).status_code == 302  # to the sign-in page
        assert admin.get(path).status_code == 403
    proctor = Client(app)
    proctor.login("proctor1", PASSWORD)
    assert proctor.get(f"/officer/enterprises/{org}/staff").status_code == 403
    assert officer.get("/officer/enterprises/999999/staff").status_code == 404
    not_an_employer = world.institution
    assert officer.get(f"/officer/enterprises/{not_an_employer}/staff").status_code == 404
    assert officer.get(f"/officer/enterprises/{world.bureau}/staff.xlsx").status_code == 404


def test_the_lookup_page_links_here(client):
    assert 'href="/employer"' in client.get("/verify").get_data(as_text=True)
    page = client.get("/employer")
    assert page.status_code == 200 and "noindex" in page.headers["X-Robots-Tag"]
