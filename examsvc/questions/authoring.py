"""Reads the authoring files of question_bank/ and says where each problem is (file, line, field).

Its own messages are for the command line (English); record problems come from rules.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from .codes import TOPICS
from .rules import QuestionRecord, check_record


@dataclass(frozen=True)
class SourceProblem:
    file: str
    line: int
    question_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        subject = f" {self.question_id}" if self.question_id else ""
        field = f" {self.field}:" if self.field else ""
        return f"{where}{subject}{field} {self.message}"


@dataclass
class ReadResult:
    records: list[QuestionRecord]
    problems: list[SourceProblem]


def _field_lines(node: yaml.Node) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): value.start_mark.line + 1 for key, value in node.value}


def _parse(text: str) -> tuple[yaml.Node | None, object]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def read_text(text: str, name: str) -> ReadResult:
    result = ReadResult([], [])

    def problem(line: int, qid: str, field: str, message: str) -> None:
        result.problems.append(SourceProblem(name, line, qid, field, message))

    try:
        root, data = _parse(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem(mark.line + 1 if mark else 1, "", "", "not valid YAML: " + str(getattr(exc, "problem", exc)))
        return result
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        problem(1, "", "", "a file holds `topic:` and a list `questions:`")
        return result
    top_lines = _field_lines(root)
    for key in sorted(set(data) - {"topic", "questions"}):
        problem(top_lines.get(key, 1), "", key, "unknown field (a typo?)")
    topic = data.get("topic")
    if topic not in TOPICS:
        problem(top_lines.get("topic", 1), "", "topic", "unknown topic " + repr(topic))
    items = next(value for key, value in root.value if key.value == "questions").value
    for item_node, item in zip(items, data["questions"], strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            problem(line, "", "", "a question is a mapping of fields")
            continue
        checked = check_record(item, default_topic=topic)
        if isinstance(checked, QuestionRecord):
            result.records.append(checked)
            continue
        lines = _field_lines(item_node)
        for p in checked:
            problem(lines.get(p.field, line), str(item.get("id", "")), p.field, p.text())
    return result


def read_paths(paths: Iterable[Path]) -> ReadResult:
    """All records of the files, plus problems across files (an id used twice)."""
    total = ReadResult([], [])
    seen: dict[str, str] = {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a binary file (a damaged bundle, say) is a problem, not a crash
            total.problems.append(SourceProblem(path.name, 0, "", "", "not UTF-8 text"))
            continue
        one = read_text(text, path.name)
        total.problems.extend(one.problems)
        for record in one.records:
            if record.external_id in seen:
                total.problems.append(
                    SourceProblem(
                        path.name,
                        0,
                        record.external_id,
                        "id",
                        "id already used in " + seen[record.external_id],
                    )
                )
            seen[record.external_id] = path.name
            total.records.append(record)
    return total


def bank_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.yaml")) + sorted(path.glob("*.yml")) if path.is_dir() else [path]
