"""Property-based fuzzing (issue 10) of the bank bundle reader, and a damaged bundle's import:
arbitrary input, not only well-formed.

Bad input must end in the parser's own, typed answer, never an unexpected exception, a 500 or a
partial write. Shared strategies: tests/fuzz_strategies.py.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from examsvc.audit.models import AuditEvent
from examsvc.cli import main
from examsvc.core.db import db_session
from examsvc.questions import bundle
from examsvc.questions.models import Question, QuestionVersion

from .bank_helpers import question
from .fuzz_strategies import (
    PURE,
    SLOW,
)

# ---- bank bundles ------------------------------------------------------------------------------

PASSPHRASE = "省厅发给市局的口令-2026"
REAL_BUNDLE = bundle.pack([question(1), question(2, qtype="truefalse")], PASSPHRASE, origin="fuzz")
HEAD_END = (
    len(bundle.MAGIC) + 4 + struct.unpack(">I", REAL_BUNDLE[len(bundle.MAGIC) : len(bundle.MAGIC) + 4])[0]
)


# Distinct positions XORed with a non-zero value: every change really changes a byte.
BUNDLE_CHANGES = st.lists(
    st.tuples(st.integers(0, len(REAL_BUNDLE) - 1), st.integers(1, 255)),
    min_size=1,
    max_size=3,
    unique_by=lambda change: change[0],
)


def _bundle_refused(data: bytes) -> str:
    with pytest.raises(bundle.BundleError) as caught:
        bundle.unpack(data, PASSPHRASE)
    return str(caught.value)


@PURE
@given(st.binary(max_size=300), st.sampled_from([b"", bundle.MAGIC, bundle.MAGIC + b"\x00\x00\x00\x10"]))
@example(b"[" * 2000 + b"\0" * 12, bundle.MAGIC + struct.pack(">I", 2000))  # a header nested too deep
@example(b'{"kdf": {"n": 1e999}}' + b"\0" * 12, bundle.MAGIC + struct.pack(">I", 21))  # int(inf): Overflow
def test_random_bytes_as_a_bundle(data, prefix):
    _bundle_refused(prefix + data)


@SLOW
@given(st.binary(max_size=40))
@example(b"")  # a copy cut short right after the header: used to raise a bare ValueError
@example(b"\x00" * 11)
def test_a_real_bundle_header_with_a_random_body(body):
    _bundle_refused(REAL_BUNDLE[:HEAD_END] + body)


@SLOW
@given(BUNDLE_CHANGES | st.integers(0, len(REAL_BUNDLE) - 1).map(lambda n: [("cut", n)]))
def test_a_real_bundle_with_random_byte_changes_or_cut_short(changes):
    data = bytearray(REAL_BUNDLE)
    for index, value in changes:
        if index == "cut":
            data = data[:value]
        else:
            data[index] ^= value
    _bundle_refused(bytes(data))


def _counts(app) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with app.app_context():
        s = db_session()
        return tuple(
            s.scalar(select(func.count()).select_from(m)) for m in (Question, QuestionVersion, AuditEvent)
        )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(BUNDLE_CHANGES)
def test_importing_a_damaged_bundle_writes_nothing(app, tmp_path, changes):
    data = bytearray(REAL_BUNDLE)
    for index, value in changes:
        data[index] ^= value
    path = tmp_path / "bank.bundle"
    path.write_bytes(bytes(data))
    (tmp_path / "pass").write_text(PASSPHRASE, encoding="utf-8")
    before = _counts(app)
    result = app.test_cli_runner().invoke(
        main, ["bank", "import", str(path), "--passphrase-file", str(tmp_path / "pass")]
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # a ClickException, not a crash
    assert (
        "nothing imported" in result.output
        or "no question files" in result.output
        or "problem" in (result.output)
    )
    assert _counts(app) == before
