"""Institutions register classes and rosters; officers review them."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from examsvc.classes.models import Enrollment, TrainingClass
from examsvc.core.db import db_session
from examsvc.orgs.models import Organisation
from examsvc.trainees.models import Trainee

from .class_helpers import HEADER, class_form, new_class, person, roster_csv, upload, xlsx_bytes
from .conftest import PASSWORD
from .helpers import Client


def _count(app, model, *where):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db_session().scalar(select(func.count()).select_from(model).where(*where))


def test_create_upload_submit_approve(app, world, school):
    class_id = new_class(school)
    response = upload(school, class_id, roster_csv([person(1), person(2), person(3, hours=24)]))
    assert response.status_code == 302
    page = school.get(f"/institution/classes/{class_id}").get_data(as_text=True)
    assert "学员1" in page and "450103********" in page
    assert (
        school.post(
            f"/institution/classes/{class_id}/submit", {}, page=f"/institution/classes/{class_id}"
        ).status_code
        == 302
    )
    with app.app_context():
        assert db_session().get(TrainingClass, class_id).status == "submitted"
    officer = Client(app)
    world.login(officer, "officer1")
    queue = officer.get("/officer/classes/").get_data(as_text=True)
    assert "2026年第一期" in queue
    officer.post(f"/officer/classes/{class_id}/approve", {}, page=f"/officer/classes/{class_id}")
    with app.app_context():
        assert db_session().get(TrainingClass, class_id).status == "approved"
    assert _count(app, Organisation, Organisation.kind == "employer") == 1  # created from the roster


def test_a_class_that_breaks_a_rule_cannot_be_submitted(app, school):
    class_id = new_class(school, hours_online=10, hours_offline=10)  # 50 % offline
    upload(school, class_id, roster_csv([person(1)]))
    page = school.get(f"/institution/classes/{class_id}").get_data(as_text=True)
    assert "50.0%" in page and "60%" in page
    school.post(f"/institution/classes/{class_id}/submit", {}, page=f"/institution/classes/{class_id}")
    with app.app_context():
        assert db_session().get(TrainingClass, class_id).status == "draft"


def test_submitting_needs_a_roster(app, school):
    class_id = new_class(school)
    response = school.post(
        f"/institution/classes/{class_id}/submit", {}, page=f"/institution/classes/{class_id}"
    )
    assert "先添加学员名册" in school.get(response.location).get_data(as_text=True)


BAD_ROWS = [
    ("checksum", [person(2, id="110105194912310021")], "证件号码", "校验码"),
    ("missing name", [person(2, name="")], "姓名", "必填"),
    ("missing employer code", [person(2, code="")], "统一社会信用代码", "必填"),
    ("bad credit code", [person(2, code="91350100M000100Y44")], "统一社会信用代码", "校验码"),
    ("unknown document", [person(2, type="驾驶证")], "证件类型", "未知证件类型"),
    ("bad phone", [person(2, phone="12345")], "手机号码", "手机号"),
    ("bad hours", [person(2, hours="十")], "已完成学时", "整数"),
    ("too many hours", [person(2, hours="99999999999")], "已完成学时", "0 至 500"),  # was a 500 on INSERT
    ("duplicate in file", [person(2), person(2)], "证件号码", "第 3 行"),
]


@pytest.mark.parametrize(("case", "rows", "column", "words"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_each_kind_of_bad_row_is_reported_and_nothing_saved(app, school, case, rows, column, words):
    class_id = new_class(school)
    response = upload(school, class_id, roster_csv([person(1), *rows]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未保存" in page
    problem_rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert any(col == column and words in text for _, col, text in problem_rows), problem_rows
    assert _count(app, Enrollment) == 0 and _count(app, Trainee) == 0


def test_trainee_already_in_another_open_class_of_the_same_category(app, school):
    first = new_class(school)
    upload(school, first, roster_csv([person(1)]))
    second = new_class(school)
    response = upload(school, second, roster_csv([person(5), person(1)]))
    assert response.status_code == 422
    code = f"2026-{first:05d}"
    assert f"已在同类别的在办班次 {code}" in response.get_data(as_text=True)
    # Another category is fine, and the same person stays one trainee (一人一档).
    leaders = new_class(school, category="leader", hours_online=4, hours_offline=12)
    assert upload(school, leaders, roster_csv([person(1)])).status_code == 302
    assert _count(app, Trainee) == 1


def test_a_refusal_never_names_another_institutions_class(app, world, school):
    """Guard: enrol.add_to_roster names a class only when it is the uploading institution's own."""
    first = new_class(school)
    upload(school, first, roster_csv([person(1)]))
    other = Client(app)
    with app.app_context():
        world.make_user(db_session(), "institution", "school2", world.other_institution)
        db_session().commit()
    world.login(other, "school2")
    theirs = new_class(other)
    page = upload(other, theirs, roster_csv([person(1)])).get_data(as_text=True)
    assert "已在同类别的在办班次中" in page and f"{first:05d}" not in page and "测试培训学校" not in page


def test_over_the_class_cap(app, school):
    class_id = new_class(school, category="leader", hours_online=4, hours_offline=12)
    assert upload(school, class_id, roster_csv([person(i) for i in range(1, 39)])).status_code == 302
    response = upload(school, class_id, roster_csv([person(i) for i in range(40, 44)]))  # 38 + 4 > 40
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("超过班次人数上限 40 人") == 2  # the last two rows
    assert upload(school, class_id, roster_csv([person(40), person(41)])).status_code == 302  # exactly 40


def test_missing_column_is_named(school):
    class_id = new_class(school)
    response = upload(school, class_id, roster_csv([["张三", "x"]], header=["姓名", "工作单位"]))
    assert "缺少列：证件号码、统一社会信用代码" in response.get_data(as_text=True)


def test_a_column_named_twice_is_refused_not_half_read(app, school):
    """Found by the fuzzers: with two 姓名 columns the second was read and the first dropped unseen."""
    class_id = new_class(school)
    header = [*HEADER, "姓名"]
    response = upload(school, class_id, roster_csv([[*person(1), "李四"]], header=header))
    assert response.status_code == 422
    assert "列名重复：姓名" in response.get_data(as_text=True)
    assert _count(app, Enrollment) == 0


def test_xlsx_and_gbk_csv(app, school):
    class_id = new_class(school)
    assert upload(school, class_id, xlsx_bytes([HEADER, person(1)]), "名册.xlsx").status_code == 302
    assert upload(school, class_id, roster_csv([person(2)], encoding="gb18030")).status_code == 302
    assert _count(app, Enrollment) == 2


def test_xlsx_id_number_typed_as_a_number_is_refused(school):
    class_id = new_class(school)
    row = person(1)
    row[2] = 110105194912310020  # Excel turns an untyped ID column into a number
    response = upload(school, class_id, xlsx_bytes([HEADER, row]), "r.xlsx")
    assert "设置为文本" in response.get_data(as_text=True)


def test_not_a_spreadsheet(school):
    class_id = new_class(school)
    assert upload(school, class_id, b"hello", "roster.pdf").status_code == 422
    assert upload(school, class_id, b"not a zip", "roster.xlsx").status_code == 422


def test_add_one_trainee_by_hand(app, school):
    class_id = new_class(school)
    values = person(7)
    form = {
        "name": values[0],
        "id_type": "id_card",
        "id_number": values[2].lower(),
        "phone": values[3],
        "employer_name": values[4],
        "employer_code": values[5],
        "hours_completed": "3",
    }
    page = f"/institution/classes/{class_id}"
    assert school.post(f"{page}/trainees", form, page=page).status_code == 302
    bad = {**form, "id_number": "110105194912310021"}
    response = school.post(f"{page}/trainees", bad, page=page)
    assert response.status_code == 422 and "校验码" in response.get_data(as_text=True)
    assert _count(app, Enrollment) == 1


def test_hours_completed_decide_eligibility(app, school):
    class_id = new_class(school)  # 24 hours planned
    upload(school, class_id, roster_csv([person(1, hours=23)]))
    with app.app_context():
        enrollment_id = db_session().scalars(select(Enrollment.id)).one()
    page = f"/institution/classes/{class_id}"
    assert ">否<" in school.get(page).get_data(as_text=True)
    school.post(f"{page}/enrollments/{enrollment_id}/hours", {"hours": "24"}, page=page)
    assert ">是<" in school.get(page).get_data(as_text=True)
    school.post(f"{page}/enrollments/{enrollment_id}/hours", {"hours": "99"}, page=page)  # more than planned
    with app.app_context():
        assert db_session().get(Enrollment, enrollment_id).hours_completed == 24


def test_return_with_reason_and_resubmit(app, world, school):
    class_id = new_class(school)
    upload(school, class_id, roster_csv([person(1)]))
    page = f"/institution/classes/{class_id}"
    school.post(f"{page}/submit", {}, page=page)
    assert (
        school.post(f"{page}/edit", class_form(title="改名"), page=f"{page}/edit").status_code == 200
    )  # locked
    officer = Client(app)
    world.login(officer, "officer1")
    opage = f"/officer/classes/{class_id}"
    assert officer.post(f"{opage}/return", {"reason": ""}, page=opage).status_code == 422
    officer.post(f"{opage}/return", {"reason": "场地证明材料不全，请补充。"}, page=opage)
    assert "场地证明材料不全" in school.get(page).get_data(as_text=True)
    assert school.post(f"{page}/edit", class_form(title="改名后"), page=f"{page}/edit").status_code == 302
    school.post(f"{page}/submit", {}, page=page)
    with app.app_context():
        assert db_session().get(TrainingClass, class_id).status == "submitted"


def test_another_institution_cannot_read_or_change_the_class(app, world, school):
    class_id = new_class(school)
    upload(school, class_id, roster_csv([person(1)]))
    with app.app_context():
        from examsvc.audit.service import SYSTEM
        from examsvc.auth.service import create_user

        create_user(
            db_session(),
            SYSTEM,
            app.extensions["examsvc.hasher"],
            username="school2",
            display_name="s2",
            role="institution",
            org_id=world.other_institution,
            password=PASSWORD,
        )
        enrollment_id = db_session().scalars(select(Enrollment.id)).one()
        db_session().commit()
    rival = Client(app)
    rival.login("school2", PASSWORD)
    base = f"/institution/classes/{class_id}"
    for path in (base, f"{base}/edit", f"{base}/roster.csv", f"{base}/roster.xlsx"):
        assert rival.get(path).status_code == 404, path
    token = rival.token("/institution/classes/")
    for path in (
        f"{base}/roster",
        f"{base}/trainees",
        f"{base}/submit",
        f"{base}/edit",
        f"{base}/enrollments/{enrollment_id}/delete",
        f"{base}/enrollments/{enrollment_id}/hours",
    ):
        assert rival.raw.post(path, data={"csrf_token": token, "hours": "1"}).status_code == 404, path
    assert "2026年第一期" not in rival.get("/institution/classes/").get_data(as_text=True)
    assert _count(app, Enrollment) == 1


def test_roster_exports_are_masked_and_safe_from_formulas(app, school):
    class_id = new_class(school)
    evil = '=HYPERLINK("http://evil.example","点我")'
    full_id = person(1)[2]
    upload(school, class_id, roster_csv([person(1, name=evil)]))
    csv_text = school.get(f"/institution/classes/{class_id}/roster.csv").get_data().decode("utf-8-sig")
    assert full_id not in csv_text and full_id[:6] + "********" in csv_text
    assert "'=HYPERLINK" in csv_text
    xlsx = school.get(f"/institution/classes/{class_id}/roster.xlsx").get_data()
    cells = [c for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True) for c in row]
    assert full_id not in map(str, cells)
    assert any(isinstance(c, str) and c.startswith("'=HYPERLINK") for c in cells)


def test_templates_have_chinese_headers(school):
    text = school.get("/institution/classes/roster-template.csv").get_data().decode("utf-8-sig")
    assert text.strip().split(",") == HEADER
    xlsx = school.get("/institution/classes/roster-template.xlsx").get_data()
    assert list(next(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))) == HEADER


def test_stored_id_and_phone_are_sealed(app, school):
    class_id = new_class(school)
    values = person(1)
    upload(school, class_id, roster_csv([values]))
    with app.app_context():
        trainee = db_session().scalars(select(Trainee)).one()
        stored = b"".join(str(getattr(trainee, c.key)).encode() for c in Trainee.__table__.columns)
        for column in ("id_sealed", "phone_sealed"):
            stored += getattr(trainee, column)
        assert (
            values[2].encode() not in stored and values[2][6:14].encode() not in stored
        )  # no birth date either
        assert values[3].encode() not in stored


def test_officer_sees_the_trainee_record(app, world, school):
    first = new_class(school)
    upload(school, first, roster_csv([person(1)]))
    second = new_class(school, category="leader", hours_online=4, hours_offline=12, title="负责人班")
    upload(school, second, roster_csv([person(1)]))
    officer = Client(app)
    world.login(officer, "officer1")
    with app.app_context():
        trainee_id = db_session().scalars(select(Trainee.id)).one()
    page = officer.get(f"/officer/trainees/{trainee_id}").get_data(as_text=True)
    assert "2026年第一期" in page and "负责人班" in page
    assert person(1)[2] not in page


def test_the_demo_roster_with_errors_reports_each_mistake(app, school, tmp_path):
    from examsvc.demo.scene import write_sample_roster

    class_id = new_class(school)
    response = upload(school, class_id, write_sample_roster(tmp_path).read_bytes())
    problems = re.findall(
        r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", response.get_data(as_text=True)
    )
    assert [(row, column) for row, column, _ in problems] == [
        ("3", "证件号码"),
        ("4", "姓名"),
        ("5", "统一社会信用代码"),
        ("6", "手机号码"),
        ("8", "证件号码"),
    ]
