"""Throw-away databases for tests and benchmarks: an SQLite file, or a PostgreSQL schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from .db import make_engine


def scratch_database(tmp_dir: Path, base_url: str | None) -> tuple[str, Callable[[], None]]:
    """A new, empty database URL and the function that drops it again."""
    if not base_url or base_url.startswith("sqlite"):
        return f"sqlite:///{tmp_dir / f'examsvc-{uuid.uuid4().hex[:8]}.db'}", lambda: None
    schema = f"examsvc_scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", drop
