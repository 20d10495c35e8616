"""examsvc: the exam system of a municipal emergency-management bureau."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from flask import Flask

from .core.config import Config
from .core.resources import templates_dir

__all__ = ["create_app", "Config"]


def _secret_key(config: Config) -> str:
    if config.secret_key:
        return config.secret_key
    # Development only (production refuses to start without EXAMSVC_SECRET_KEY): keep a random
    # key in the instance folder so that sessions survive a restart.
    path = config.instance_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _resolve_config(config: Config | Mapping[str, object] | None) -> Config:
    if isinstance(config, Config):
        return config
    base = Config.from_env()
    return base.with_overrides(config) if config else base


def create_app(config: Config | Mapping[str, object] | None = None) -> Flask:
    # Imported late: any `import examsvc.<module>` runs this file first, and the wiring imports every
    # domain; importing it at the top would load the whole app for one module and make cycles.
    from .wiring import wire

    cfg = _resolve_config(config)
    cfg.check()
    cfg.instance_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # holds the database and secrets
    app = Flask(
        __name__,
        template_folder=str(templates_dir()),
        instance_path=str(Path(cfg.instance_dir).resolve()),
    )
    app.config.update(
        EXAMSVC=cfg,
        SECRET_KEY=_secret_key(cfg),
        TESTING=cfg.env == "testing",
        SESSION_COOKIE_NAME="__Host-examsvc" if cfg.cookie_secure else "examsvc",
        SESSION_COOKIE_SECURE=cfg.cookie_secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=cfg.session_hours),
        # A tablet form may stay open through a long sitting: the token lives as long as the login.
        WTF_CSRF_TIME_LIMIT=cfg.session_hours * 3600,
        BABEL_DEFAULT_LOCALE=cfg.default_locale,
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    wire(app, cfg)
    return app
