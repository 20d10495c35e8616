"""Backup and restore of the database as one gzip'd JSON-lines file, the same on SQLite and PostgreSQL
(so a backup also moves a bureau from one to the other).

The first line names the format, the schema revision and each table's columns and row count; then
one line per row, tables in the order their foreign keys need. Restore goes only into an empty
database at the same revision, in one transaction, and checks the counts before it commits.

The key directory is NOT in the backup (a stolen backup must be useless without it): back it up
apart, as docs/security.md says. Without those keys the bank, the personal data and the signing keys of
a restored database cannot be read.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import stat
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from ..core.db import Base
from ..core.migrate import current_revision

FORMAT = "examsvc-backup/1"
BATCH = 1000


class BackupError(RuntimeError):
    pass


def _encode(value: object) -> object:
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        if "$b" in value:
            return base64.b64decode(value["$b"])
        if "$t" in value:
            return datetime.fromisoformat(value["$t"])
        if "$d" in value:
            return date.fromisoformat(value["$d"])
    return value


def _tables():  # type: ignore[no-untyped-def]
    return Base.metadata.sorted_tables  # parents before children


def backup(session: Session, out: IO[bytes]) -> dict[str, int]:
    """Writes every table to `out` (gzip); returns the row counts."""
    counts = {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in _tables()}
    header = {
        "format": FORMAT,
        "revision": current_revision(session.connection()),
        "tables": {t.name: [c.name for c in t.columns] for t in _tables()},
        "counts": counts,
    }
    with gzip.GzipFile(fileobj=out, mode="wb") as archive:
        archive.write((json.dumps(header, ensure_ascii=False) + "\n").encode())
        for table in _tables():
            key = list(table.primary_key.columns)
            for row in session.execute(select(table).order_by(*key)).yield_per(BATCH):
                line = {"t": table.name, "r": [_encode(v) for v in row]}
                archive.write((json.dumps(line, ensure_ascii=False) + "\n").encode())
    return counts


def _lines(source: IO[bytes]) -> Iterator[dict]:
    with gzip.GzipFile(fileobj=source, mode="rb") as archive:
        for raw in archive:
            yield json.loads(raw)


def restore(session: Session, source: IO[bytes]) -> dict[str, int]:
    """Loads a backup into this (empty, migrated) database; the caller commits. Raises BackupError
    on another format or revision, a database that is not empty, or counts that do not match."""
    lines = _lines(source)
    try:
        header = next(lines)
    except (OSError, StopIteration, json.JSONDecodeError) as exc:
        raise BackupError("not an examsvc backup (gzip'd JSON lines)") from exc
    if header.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {header.get('format')!r}")
    revision = current_revision(session.connection())
    if header.get("revision") != revision:
        raise BackupError(f"the backup is of schema {header.get('revision')}, this database is at {revision}")
    tables = {t.name: t for t in _tables()}
    busy = [name for name, t in tables.items() if session.scalar(select(func.count()).select_from(t))]
    if busy:
        raise BackupError("restore only into an empty database; these tables hold rows: " + ", ".join(busy))
    batch: list[dict] = []
    current = None

    def flush() -> None:
        if batch:
            session.execute(insert(tables[current]), batch)  # type: ignore[index]
            batch.clear()

    for line in lines:
        if line["t"] != current:
            flush()
            current = line["t"]
        columns = header["tables"][current]
        batch.append(dict(zip(columns, (_decode(v) for v in line["r"]), strict=True)))
        if len(batch) >= BATCH:
            flush()
    flush()
    counts = {name: session.scalar(select(func.count()).select_from(t)) or 0 for name, t in tables.items()}
    if counts != header["counts"]:
        wrong = [n for n in counts if counts[n] != header["counts"].get(n)]
        raise BackupError("row counts differ after restoring: " + ", ".join(wrong))
    if session.get_bind().dialect.name == "postgresql":
        for name, t in tables.items():  # the next id after the restored ones
            if "id" in t.columns and counts[name]:
                # table names come from our own metadata, never from the backup file
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                session.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {name}))"))  # noqa: S608  # nosec B608
    return counts


def backup_to(session: Session, path: Path) -> dict[str, int]:
    """A backup holds sealed personal data and the bank: only its owner may read it. The folder is
    made 0700 if new; the file is created 0600 before a byte is written (no window of a wider mode)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its old mode through O_CREAT: set it
    with os.fdopen(descriptor, "wb") as out:
        return backup(session, out)


def wider_than_owner(path: Path) -> list[str]:
    """What else than the owner may read the backup or its folder (empty: nothing)."""
    out = []
    for where in (path, path.parent):
        mode = stat.S_IMODE(where.stat().st_mode)
        if mode & 0o077:
            out.append(f"{where} is {mode:04o}")
    return out
