"""Where the top-level folders are: beside the package in a checkout, inside it in a wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # examsvc/, not core/


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder of examsvc")


def templates_dir() -> Path:
    return _find("templates")


def question_bank_dir() -> Path:
    return _find("question_bank")
