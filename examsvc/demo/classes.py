"""Demo classes in every state of their life, with rosters of made-up people (valid checksums)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import Actor
from ..classes import enrol, service
from ..classes.models import TrainingClass
from ..classes.roster import COLUMNS, check_cells
from ..classes.rules import ClassRules
from ..core.config import Config
from ..core.identity import make_credit_code, make_id_number
from ..core.keyring import Keyring
from ..orgs.models import Organisation

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
)
EMPLOYERS = (
    ("广西某矿业有限公司（演示）", make_credit_code("91450123MA5KUANG1")),
    ("南宁某机械制造有限公司（演示）", make_credit_code("91450100MA5JX0001")),
    ("某铁路工程局南宁项目部（演示）", make_credit_code("91450100MA5TL0001")),
)


@dataclass(frozen=True)
class DemoClass:
    institution_code: str
    title: str
    industry: str
    category: str
    hours: tuple[int, int, int]  # online, offline, practical
    roster_from: int
    roster_size: int
    steps: tuple[str, ...]  # what happens after creation
    reason: str = ""


def demo_people(start: int, count: int) -> list[list[object]]:
    """Made-up people with valid ID checksums, as roster rows (hours completed: 0)."""
    rows = []
    for n in range(start, start + count):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
        born = date(1970, 1, 1) + timedelta(days=(n * 977) % 9000)
        employer, code = EMPLOYERS[n % len(EMPLOYERS)]
        rows.append(
            [name, "id_card", make_id_number("450103", born, n % 1000), f"139{n:08d}", employer, code, 0]
        )
    return rows


def demo_classes(school_a: str, school_b: str) -> list[DemoClass]:
    return [
        DemoClass(school_a, "煤矿安全管理人员培训班（草稿）", "coal_mine", "manager", (8, 16, 0), 1, 12, ()),
        DemoClass(
            school_a, "非煤矿山负责人培训班（线下学时不足）", "non_coal_mine", "leader", (10, 8, 0), 20, 6, ()
        ),
        DemoClass(
            school_a,
            "机械制造班组长培训班（待审批）",
            "machinery",
            "team_leader",
            (8, 12, 10),
            40,
            30,
            ("submit",),
        ),
        DemoClass(
            school_a,
            "铁路运输安全管理人员培训班（已退回）",
            "rail_transport",
            "manager",
            (6, 18, 0),
            80,
            10,
            ("submit", "return"),
            reason="培训场地租赁证明未上传，请补充后重新提交。",
        ),
        DemoClass(
            school_b,
            "危险化学品负责人培训班（已批准）",
            "hazardous_chemicals",
            "leader",
            (4, 12, 0),
            100,
            20,
            ("submit", "approve"),
        ),
        DemoClass(
            school_b,
            "铁路建设施工班组长培训班（已安排考试）",
            "rail_construction",
            "team_leader",
            (6, 10, 8),
            130,
            25,
            ("submit", "approve"),  # demo/exams.py schedules its sitting (ready for check-in)
        ),
        DemoClass(
            school_b,
            "煤矿班组长培训班（已考试）",
            "coal_mine",
            "team_leader",
            (6, 12, 8),
            160,
            18,
            ("submit", "approve"),  # demo/exams.py runs its exam and publishes the results
        ),
        DemoClass(
            school_b,
            "机械制造安全管理人员培训班（已归档）",
            "machinery",
            "manager",
            (4, 12, 0),
            190,
            15,
            ("submit", "approve", "schedule_exam", "mark_examined", "archive"),
        ),
    ]


def load_demo_classes(
    session: Session,
    keyring: Keyring,
    config: Config,
    institution_actor: Actor,
    officer_actor: Actor,
    school_a: str,
    school_b: str,
) -> int:
    """Creates the demo classes once (none if the demo institutions already have classes); returns them."""
    rules = ClassRules.from_config(config)
    orgs = {
        o.code: o
        for o in session.scalars(select(Organisation).where(Organisation.code.in_([school_a, school_b])))
    }
    if session.scalar(
        select(TrainingClass.id).where(TrainingClass.institution_id.in_([o.id for o in orgs.values()]))
    ):
        return []
    start = date.today() + timedelta(days=14)
    past = date.today() - timedelta(days=80)
    header = [key for key, *_ in COLUMNS]
    created = []
    for number, demo in enumerate(demo_classes(school_a, school_b)):
        online, offline, practical = demo.hours
        # Classes the office has approved trained in the past: their sittings follow the training.
        begins = (past if "approve" in demo.steps else start) + timedelta(days=7 * number)
        training_class = service.create_class(
            session,
            institution_actor,
            orgs[demo.institution_code].id,
            service.ClassInput(
                demo.title,
                demo.industry,
                demo.category,
                begins,
                begins + timedelta(days=4),
                "南宁市青秀区安全培训中心",
                "450103",
                online,
                offline,
                practical,
            ),
        )
        rows = demo_people(demo.roster_from, demo.roster_size)
        if demo.steps:  # classes past the draft stage have trained their hours
            rows = [[*row[:6], online + offline + practical] for row in rows]
        enrol.add_to_roster(
            session, institution_actor, keyring, training_class, check_cells([header, *rows]), rules
        )
        for step in demo.steps:
            if step == "submit":
                service.submit(session, institution_actor, training_class, rules)
            elif step == "approve":
                service.approve(session, officer_actor, training_class, rules)
            elif step == "return":
                service.return_class(session, officer_actor, training_class, demo.reason)
            else:
                service.advance(session, officer_actor, training_class, step)
        created.append(training_class)
    return created


def sample_roster_with_errors() -> list[list[object]]:
    """The file `examsvc demo load` points to: one mistake of each kind, to see how uploads report them."""
    rows = demo_people(500, 6)
    rows[1][2] = rows[1][2][:-1] + ("0" if rows[1][2][-1] != "0" else "1")  # wrong check character
    rows[2][0] = ""  # missing name
    rows[3][5] = rows[3][5][:-1] + (
        "0" if rows[3][5][-1] != "0" else "1"
    )  # wrong credit-code check character
    rows[4][3] = "12345"  # not a phone number
    rows.append(list(rows[0]))  # the same person twice
    return [
        [zh for _, zh, _, _ in COLUMNS],
        *[["居民身份证" if v == "id_card" else v for v in r] for r in rows],
    ]
