"""Classes and rosters for tests."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from examsvc.core.identity import make_credit_code, make_id_number

HEADER = ["姓名", "证件类型", "证件号码", "手机号码", "工作单位", "统一社会信用代码", "已完成学时"]
EMPLOYER = make_credit_code("91450123MA5KUANG1")


def person(n: int, **overrides: object) -> list[object]:
    values = {
        "name": f"学员{n}",
        "type": "居民身份证",
        "id": make_id_number("450103", date(1980, 1 + n % 12, 1 + n % 28), n % 1000),
        "phone": f"1380000{n:04d}",
        "employer": "广西某矿业有限公司",
        "code": EMPLOYER,
        "hours": 0,
    }
    values.update(overrides)
    return [values[k] for k in ("name", "type", "id", "phone", "employer", "code", "hours")]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """A one-sheet workbook holding `rows`, as a spreadsheet program would save it."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_csv(
    rows: list[list[object]], header: list[str] | None = None, encoding: str = "utf-8-sig"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def class_form(**overrides: object) -> dict[str, object]:
    form = {
        "title": "2026年第一期矿山安全管理人员培训班",
        "industry": "coal_mine",
        "category": "manager",
        "start_date": "2026-11-23",  # in the past: the class has trained when its sitting comes
        "end_date": "2026-11-27",
        "venue": "南宁市青秀区培训中心",
        "venue_county_code": "450103",
        "hours_online": "8",
        "hours_offline": "16",
        "hours_practical": "0",
    }
    form.update({k: str(v) for k, v in overrides.items()})
    return form


def new_class(client, **overrides: object) -> int:  # type: ignore[no-untyped-def]
    """The institution's new class through its form (class_form with these changes); its id."""
    response = client.post("/institution/classes/new", class_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/institution/classes/(\d+)", response.location).group(1))


def upload(client, class_id: int, data: bytes, filename: str = "roster.csv"):  # type: ignore[no-untyped-def]
    """A roster file through the class page's upload form; the response."""
    page = f"/institution/classes/{class_id}"
    return client.post(
        f"{page}/roster",
        {"roster": (io.BytesIO(data), filename)},
        page=page,
        content_type="multipart/form-data",
    )
