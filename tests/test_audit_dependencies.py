"""scripts/audit_dependencies.py: an advisory that affects an installed version fails the check unless
accepted with its reason; a fixed one does not (PyPI answered by a stand-in)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"


@pytest.fixture
def audit(monkeypatch):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    installed = [type("Dist", (), {"metadata": {"Name": "flask"}, "version": "3.0.0"})()]
    monkeypatch.setattr(module.metadata, "distributions", lambda: installed)
    return module


def _pypi(advisories: list[dict]):  # type: ignore[no-untyped-def]
    return lambda name: {"info": {"version": "3.0.0"}, "vulnerabilities": advisories}


ADVISORY = {"id": "GHSA-test-0000-0000", "aliases": ["CVE-2099-0001"], "details": "bad", "fixed_in": []}


def test_an_advisory_without_a_fix_fails_the_check(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "project", _pypi([ADVISORY]))
    assert audit.main() == 1 and "VULNERABLE flask 3.0.0: GHSA-test-0000-0000" in capsys.readouterr().err


def test_a_fixed_or_accepted_advisory_passes(audit, monkeypatch):
    monkeypatch.setattr(audit, "project", _pypi([{**ADVISORY, "fixed_in": ["2.9.1"]}]))
    assert audit.main() == 0
    monkeypatch.setattr(audit, "project", _pypi([ADVISORY]))
    monkeypatch.setitem(audit.ACCEPTED, "GHSA-test-0000-0000", "a reason")
    assert audit.main() == 0


def test_no_answer_from_pypi_says_nothing_was_checked(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "project", lambda name: None)
    assert audit.main() == 0 and "NOT AUDITED" in capsys.readouterr().err
