"""Small banks for tests, written in the authoring format."""

from __future__ import annotations

from pathlib import Path

import yaml


def question(n: int, topic: str = "work_safety_law", qtype: str = "single", **extra: object) -> dict:
    record: dict[str, object] = {
        "id": f"t-{n:04d}",
        "type": qtype,
        "industry": "general",
        "categories": ["leader", "manager", "team_leader"],
        "difficulty": 1 + n % 5,
        "stem": f"测试题干第{n}号：生产经营单位应当如何做？",
        "answer": "B",
        "explanation": f"测试解析{n}",
        "source": "《中华人民共和国安全生产法》第五条",
    }
    if qtype == "truefalse":
        record["answer"] = n % 2 == 0
    else:
        record["options"] = {k: f"选项{k}{n}" for k in "ABCD"}
        if qtype == "multiple":
            record["answer"] = "AC"
    record.update(extra)
    return record


def write_bank(
    folder: Path, records: list[dict], topic: str = "work_safety_law", name: str = "test.yaml"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(
        yaml.safe_dump({"topic": topic, "questions": records}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return folder
