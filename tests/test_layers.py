"""The order of the house (docs/architecture.md): domains depend downward only, and no module
hides an import inside a function to get around that order."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from examsvc.classes.signals import institution_class_page, officer_class_page
from examsvc.exams.signals import result_corrected, results_published
from examsvc.papers.signals import paper_generated
from examsvc.trainees.signals import trainee_page

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "examsvc"
# The app factory imports the wiring late: importing any examsvc submodule runs examsvc/__init__
# first, and the wiring imports every domain.
DEFERRED_IMPORTS_ALLOWED = {("examsvc/__init__.py", "create_app")}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's layers contract from pyproject.toml, on the package found under `root`."""
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "lint-imports"),
            "--no-cache",
            "--config",
            str(root / "pyproject.toml"),
        ],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_every_layer_imports_only_the_layers_below_it():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_inside_a_function_breaks_the_contract(tmp_path):
    """The contract reads imports inside functions too: the shortcut the old class pages took."""
    shutil.copytree(PACKAGE, tmp_path / "examsvc", ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    service = tmp_path / "examsvc" / "classes" / "service.py"
    service.write_text(service.read_text() + "\n\ndef _sittings():\n    from ..exams.models import Sitting\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "examsvc.classes is not allowed to import examsvc.exams" in result.stdout
    assert "examsvc.classes.service -> examsvc.exams.models" in result.stdout


def deferred_imports(source: str) -> list[tuple[str, int]]:
    """(function, line) of each import of a project module made inside a function."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            project = (
                isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("examsvc"))
            ) or (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "examsvc" for a in node.names))
            if project:
                found.append((function.name, node.lineno))
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from ..exams import models\n", [("f", 2)]),
        ("def f():\n    import examsvc.exams.models\n", [("f", 2)]),
        ("async def f():\n    if x:\n        from examsvc.exams import models\n", [("f", 3)]),
        ("def f():\n    import json\n    from flask import abort\n", []),
        ("from ..exams import models\n\ndef f():\n    return models\n", []),
    ],
)
def test_the_deferred_import_check_finds_what_it_should(source, expected):
    assert deferred_imports(source) == expected


def test_no_module_imports_a_project_module_inside_a_function():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("examsvc/migrations/"):
            continue  # Alembic's scripts, not modules of the package
        for function, line in deferred_imports(path.read_text()):
            if (relative, function) not in DEFERRED_IMPORTS_ALLOWED:
                offenders.append(f"{relative}:{line} in {function}()")
    assert offenders == []


def test_every_page_and_result_signal_has_its_receivers(app):
    """Receivers live in the higher domains (views, or the service that keeps the rule), which the
    wiring imports."""
    expected = {
        officer_class_page: 3,  # papers, sittings, certificates
        institution_class_page: 1,  # published counts
        trainee_page: 2,  # enrolments, certificates
        paper_generated: 1,  # exams: the release follows the sitting
        results_published: 2,  # certificates, item statistics
        result_corrected: 2,  # certificates, item statistics
    }
    assert {signal.name: len(signal.receivers) for signal in expected} == {
        signal.name: count for signal, count in expected.items()
    }
