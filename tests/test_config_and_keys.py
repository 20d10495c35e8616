"""Settings from the environment, production refusals, key files."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from examsvc import create_app
from examsvc.core.config import Config, ConfigError
from examsvc.core.crypto import aead
from examsvc.core.crypto.keyfiles import KeyFileError, create_key, load_key
from examsvc.core.keyring import init_keys


def test_settings_come_from_examsvc_variables(tmp_path):
    cfg = Config.from_env(
        {
            "EXAMSVC_DATABASE_URL": "postgresql+psycopg://db/x",
            "EXAMSVC_KEY_DIR": str(tmp_path),
            "EXAMSVC_BASE_URL": "https://exam.example.gov.cn",
            "EXAMSVC_LOGIN_MAX_FAILURES": "7",
            "EXAMSVC_COOKIE_SECURE": "yes",
        }
    )
    assert cfg.database_url == "postgresql+psycopg://db/x"
    assert cfg.key_dir == tmp_path
    assert cfg.base_url == "https://exam.example.gov.cn"
    assert cfg.login_max_failures == 7
    assert cfg.cookie_secure is True


def test_defaults_put_the_database_and_keys_under_instance(tmp_path):
    cfg = Config.from_env({"EXAMSVC_INSTANCE_DIR": str(tmp_path)})
    assert cfg.resolved_database_url() == f"sqlite:///{tmp_path / 'examsvc.db'}"
    assert cfg.resolved_key_dir() == tmp_path / "keys"
    assert cfg.cookie_secure is False  # development serves plain http on 127.0.0.1


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, "EXAMSVC_SECRET_KEY and EXAMSVC_KEY_DIR"),
        ({"EXAMSVC_SECRET_KEY": "s" * 40}, "EXAMSVC_KEY_DIR"),
        ({"EXAMSVC_KEY_DIR": "/srv/keys"}, "EXAMSVC_SECRET_KEY"),
    ],
)
def test_production_refuses_to_start_without_secret_and_keys(environ, missing, tmp_path):
    env = {"EXAMSVC_ENV": "production", "EXAMSVC_INSTANCE_DIR": str(tmp_path), **environ}
    with pytest.raises(ConfigError, match=missing):
        create_app(Config.from_env(env))


def test_production_refuses_a_short_secret(tmp_path):
    env = {
        "EXAMSVC_ENV": "production",
        "EXAMSVC_SECRET_KEY": "short",
        "EXAMSVC_KEY_DIR": str(tmp_path),
    }
    with pytest.raises(ConfigError, match="at least 32"):
        create_app(Config.from_env(env))


def test_production_does_not_invent_missing_keys(tmp_path):
    env = {
        "EXAMSVC_ENV": "production",
        "EXAMSVC_SECRET_KEY": "s" * 40,
        "EXAMSVC_KEY_DIR": str(tmp_path / "keys"),
        "EXAMSVC_INSTANCE_DIR": str(tmp_path),
        "EXAMSVC_BASE_URL": "https://exam.example.gov.cn",
    }
    with pytest.raises(KeyFileError, match="examsvc keys init"):
        create_app(Config.from_env(env))
    assert not (tmp_path / "keys" / "personal_data.key").exists()


def test_production_cookies_are_secure_and_host_prefixed(tmp_path):
    init_keys(tmp_path / "keys")  # what `examsvc keys init` does
    env = {
        "EXAMSVC_ENV": "production",
        "EXAMSVC_SECRET_KEY": "s" * 40,
        "EXAMSVC_KEY_DIR": str(tmp_path / "keys"),
        "EXAMSVC_INSTANCE_DIR": str(tmp_path),
        "EXAMSVC_BASE_URL": "https://exam.example.gov.cn",
        "EXAMSVC_JOBS_INLINE_WORKERS": "0",  # no job thread polling a database nobody migrated
    }
    app = create_app(Config.from_env(env))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-examsvc"  # Secure, host-only, path /
    answer = app.test_client().get("/healthz")
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")  # Guard: HSTS


@pytest.mark.parametrize(
    "url", ["http://exam.example.gov.cn", "https://127.0.0.1:8000", "https://localhost", "https://[::1]/"]
)
def test_production_refuses_a_base_url_no_qr_code_could_reach(url):
    """Guard: Config.check's insecure_base_url (unless EXAMSVC_ALLOW_INSECURE_BASE_URL)."""
    production = Config(env="production", secret_key="s" * 40, key_dir=Path("/nonexistent"), base_url=url)
    with pytest.raises(ConfigError, match="EXAMSVC_BASE_URL"):
        production.check()
    replace(production, allow_insecure_base_url=True).check()
    replace(production, base_url="https://exam.example.gov.cn").check()


def test_no_server_or_framework_version_in_a_response(app):
    """Guard: web.banners.hide_server_banners (Werkzeug's server; gunicorn's in test_production)."""
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz", timeout=10) as answer:
            banner = answer.headers.get("Server", "")
    finally:
        server.shutdown()
    assert "Werkzeug" not in banner and "Python" not in banner and banner == "examsvc"


def test_key_files_are_owner_only_and_loose_ones_are_refused(tmp_path):
    key = create_key(tmp_path, "bank")
    path = tmp_path / "bank.key"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_key(tmp_path, "bank") == key
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_key(tmp_path, "bank")


def test_key_file_is_never_overwritten(tmp_path):
    create_key(tmp_path, "bank")
    with pytest.raises(FileExistsError):
        create_key(tmp_path, "bank")


def test_key_repr_hides_material(tmp_path):
    key = create_key(tmp_path, "bank")
    assert key.material.hex() not in repr(key)


def test_sealed_record_is_bound_to_its_place_and_key(tmp_path):
    key = create_key(tmp_path, "a")
    other = create_key(tmp_path, "b")
    record = aead.seal(key, b"secret stem", b"question:1:v1")
    assert aead.unseal({key.key_id: key}, record, b"question:1:v1") == b"secret stem"
    with pytest.raises(aead.DecryptionError):
        aead.unseal({key.key_id: key}, record, b"question:2:v1")  # copied onto another row
    with pytest.raises(aead.DecryptionError, match="no key"):
        aead.unseal({other.key_id: other}, record, b"question:1:v1")
    flipped = record[:-1] + bytes([record[-1] ^ 1])
    with pytest.raises(aead.DecryptionError):
        aead.unseal({key.key_id: key}, flipped, b"question:1:v1")
    assert aead.seal(key, b"x", b"") != aead.seal(key, b"x", b"")  # fresh nonce every time


def test_templates_and_bank_are_found_from_the_checkout():
    from examsvc.core.resources import question_bank_dir, templates_dir

    assert (templates_dir() / "base.html").is_file()
    assert (question_bank_dir() / "README.md").is_file()
    assert Path(templates_dir()).name == "templates"
