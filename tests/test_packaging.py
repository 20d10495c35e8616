"""The wheel carries templates/, question_bank/, catalogs, static files and migrations,
and an installed examsvc finds them inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    return next(out.glob("examsvc-*.whl"))


def test_wheel_holds_everything_the_app_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "examsvc/templates/base.html",
        "examsvc/question_bank/README.md",
        "examsvc/static/app.css",
        "examsvc/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
        "examsvc/migrations/env.py",
        "examsvc/migrations/versions/0001_foundation.py",
    ):
        assert needed in names, needed


def test_installed_wheel_finds_its_templates(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    probe = (
        "from examsvc.core.resources import templates_dir, question_bank_dir;"
        "print(templates_dir()); print(question_bank_dir())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(target)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    templates, bank = done.stdout.split()
    assert templates == str(target / "examsvc" / "templates")
    assert bank == str(target / "examsvc" / "question_bank")
