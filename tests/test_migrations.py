"""Every schema change is a migration: the migrated database matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from examsvc import models  # noqa: F401
from examsvc.core.db import Base
from examsvc.core.migrate import is_current


def test_models_and_migrations_agree(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_database_is_at_head(engine):
    assert is_current(engine)


def test_the_lifecycle_and_identity_migrations_carry_existing_rows(tmp_path):
    """0012 gives old sittings their release time; 0014 gives old enrolments the phone and
    employer their person's record held."""
    from sqlalchemy import create_engine, text

    from examsvc.core.migrate import upgrade_database

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_database(engine, "0011")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO organisation (id, kind, code, name, county_code, active, created_at) "
                "VALUES (1, 'employer', 'E', '某公司', '450103', 1, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO organisation (id, kind, code, name, county_code, active, created_at) "
                "VALUES (2, 'institution', 'I', '某学校', '450103', 1, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO trainee (id, id_type, id_hash, id_sealed, id_masked, name, phone_sealed,"
                " phone_masked, employer_id, category, industry, created_at, updated_at)"
                " VALUES (1, 'id_card', 'h', x'00', 'm', '学员', x'01', '138****0001', 1, 'manager',"
                " 'coal_mine', '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO training_class (id, code, institution_id, title, industry, category, start_date,"
                " end_date, venue, venue_county_code, hours_online, hours_offline, hours_practical, status,"
                " created_at, updated_at) VALUES (1, 'C', 2, 't', 'coal_mine', 'manager', '2026-11-01',"
                " '2026-11-05', 'v', '450103', 8, 16, 0, 'approved', '2026-01-01', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO enrollment (id, class_id, trainee_id, hours_completed, created_at)"
                " VALUES (1, 1, 1, 24, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO exam_sitting (id, class_id, kind, venue, county_code, starts_at,"
                " duration_minutes, marking, status, created_at) VALUES (1, 1, 'first', 'v', '450103',"
                " '2026-11-06 01:00:00', 90, 'sheet', 'scheduled', '2026-01-01')"
            )
        )
    upgrade_database(engine)
    with engine.connect() as conn:
        release = conn.execute(text("SELECT release_at FROM exam_sitting")).scalar_one()
        enrolment = conn.execute(text("SELECT employer_id, phone_masked FROM enrollment")).one()
    assert str(release).startswith("2026-11-06 00:00:00")
    assert tuple(enrolment) == (1, "138****0001")
    engine.dispose()
