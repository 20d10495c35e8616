"""ID numbers: sealed in the database, masked on every page, export and log line."""

from __future__ import annotations

import logging
import re

import pytest

from examsvc.demo.classes import demo_classes, demo_people

from .class_helpers import class_form, person, roster_csv
from .helpers import Client
from .stored import committed_database, raw_database


def _demo_people() -> list[list[object]]:
    return [row for demo in demo_classes("a", "b") for row in demo_people(demo.roster_from, demo.roster_size)]


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory):  # type: ignore[no-untyped-def]
    url, _, drop = committed_database(tmp_path_factory.mktemp("pii"), "demo", "load")
    yield url
    drop()


def test_no_id_or_phone_number_in_the_stored_database(demo_database):
    raw = raw_database(demo_database)
    people = _demo_people()
    assert len(people) > 100 and b"trainee" in raw
    assert [p[2] for p in people if str(p[2]).encode() in raw] == []
    assert [p[3] for p in people if str(p[3]).encode() in raw] == []


@pytest.fixture
def sql_logging():  # type: ignore[no-untyped-def]
    """Every SQL statement and its parameters logged; set before the app opens its connection."""
    logger = logging.getLogger("sqlalchemy.engine")
    logger.setLevel(logging.INFO)
    yield
    logger.setLevel(logging.WARNING)


def test_no_full_id_number_in_pages_exports_or_logs(sql_logging, app, world, caplog):
    caplog.set_level(logging.DEBUG)
    with caplog.at_level(logging.DEBUG):
        school = Client(app)
        world.login(school, "school1")
        response = school.post("/institution/classes/new", class_form())
        base = response.location
        people = [person(i) for i in range(1, 6)]
        page = base
        import io

        school.post(
            f"{base}/roster",
            {"roster": (io.BytesIO(roster_csv(people)), "r.csv")},
            page=page,
            content_type="multipart/form-data",
        )
        bad = [person(9, id=people[0][2][:-1] + "0" if people[0][2][-1] != "0" else people[0][2][:-1] + "1")]
        school.post(
            f"{base}/roster",
            {"roster": (io.BytesIO(roster_csv(bad)), "r.csv")},
            page=page,
            content_type="multipart/form-data",
        )
        officer = Client(app)
        world.login(officer, "officer1")
        class_id = re.search(r"(\d+)$", base).group(1)
        bodies = [
            school.get(base).get_data(),
            school.get(f"{base}/roster.csv").get_data(),
            school.get(f"{base}/roster.xlsx").get_data(),
            officer.get(f"/officer/classes/{class_id}").get_data(),
            officer.get(f"/officer/classes/{class_id}/roster.csv").get_data(),
            officer.get("/officer/trainees/").get_data(),
            officer.get("/officer/trainees/?name=学员").get_data(),
        ]
        trainee_links = re.findall(rb"/officer/trainees/(\d+)", bodies[3])
        assert trainee_links
        bodies += [officer.get(f"/officer/trainees/{t.decode()}").get_data() for t in trainee_links]
    for number in [p[2] for p in people] + [bad[0][2]]:
        assert number not in caplog.text
        for body in bodies:
            assert number.encode() not in body
    assert "450103********" in bodies[0].decode()
    assert "INSERT INTO trainee" in caplog.text  # the logs were really captured, parameters included
