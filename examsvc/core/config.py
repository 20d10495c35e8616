"""Every setting of examsvc, read from EXAMSVC_* environment variables.

The table in docs/operator-guide.md ("Configuration") lists the same settings; keep the two in step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_INSTANCE = Path.cwd() / "instance"


class ConfigError(RuntimeError):
    """The configuration cannot run: a production setting is missing or malformed."""


def _bool(value: str) -> bool:
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclass(frozen=True)
class Config:
    env: str = "development"  # development | production | testing
    instance_dir: Path = DEFAULT_INSTANCE
    database_url: str = ""  # empty: sqlite file instance/examsvc.db
    secret_key: str = ""  # empty outside production: a random key kept in instance/secret_key
    key_dir: Path | None = None  # None outside production: instance/keys
    base_url: str = "http://127.0.0.1:5000"  # printed in every certificate's QR code
    allow_insecure_base_url: bool = False  # production only: accept an http or loopback base URL
    redis_url: str = ""  # shared rate-limit counters between workers; empty: counted in the database
    proxy_hops: int = 0  # reverse proxies in front that append X-Forwarded-For; 0: none is trusted
    metrics_token: str = ""  # Prometheus sends it as `Authorization: Bearer …` to /metrics; empty: 404
    default_locale: str = "zh_Hans_CN"
    session_hours: int = 12
    cookie_secure: bool = True  # Secure cookies; set false only for plain-http development
    login_max_failures: int = 5  # free tries of one client on one account; then growing delays
    login_max_failures_per_ip: int = 20  # one client's failures on any accounts in the window: 429
    login_window_minutes: int = 15
    login_alert_failures: int = 50  # one account's failures from all clients in the window: alert
    # The programme's class rules (DOMAIN.md); a bureau may tune them.
    rule_hours_min_leader_manager: int = 12
    rule_hours_max_leader_manager: int = 48
    rule_hours_min_team_leader: int = 20
    rule_hours_max_team_leader: int = 72
    rule_offline_share_min: int = 60
    rule_practical_share_min_team_leader: int = 25
    rule_cap_leader: int = 40
    rule_cap_other: int = 80
    paper_release_minutes: int = 60  # a paper opens this long before its sitting starts
    paper_reuse_window_days: int = 365  # exposure control: how far back other papers count
    paper_overlap_limit_percent: int = 30  # most a paper may share with a recent one of its kind
    exam_min_proctors: int = 2  # per sitting, plus one per exam_candidates_per_proctor candidates
    exam_candidates_per_proctor: int = 30
    cert_valid_years: int = 3  # a pass certificate's validity (exp claim)
    doc_tsa_url: str = ""  # a RFC 3161 time-stamp authority: certificate PDFs signed PAdES B-T instead of B-B
    key_prepublish_hours: int = 72  # a new signing key is in the JWKS this long before it signs
    status_list_ttl_seconds: int = 300  # how long a verifier may keep the status list (ttl, Cache-Control)
    verify_limit_per_minute: int = 60  # public look-ups per client address
    verify_bulk_files_per_hour: int = 20  # bulk-check uploads per client address, counted before parsing
    verify_bulk_rows_per_day: int = 20_000  # rows of employers' bulk checks per client address
    employer_expiring_days: int = 90  # staff standing (/employer): valid but expiring within this many days
    lookup_limit_per_hour: int = 20  # trainees' own look-ups (/lookup) per client address
    lookup_limit_per_person_per_day: int = 10  # per ID number typed, any address: bounds guessing a factor
    jobs_backend: str = "inline"  # inline: worker threads in each web process; rq: RQ workers on Redis
    jobs_inline_workers: int = 1  # job threads per web process (inline); 0: only `examsvc jobs worker`
    jobs_lease_seconds: int = 60  # a job whose worker has not reported for this long is given to another
    jobs_keep_hours: int = 24  # how long a job's file (a paper, certificates, an export) is kept
    jobs_render_processes: int = 0  # wkhtmltopdf runs at once for one class's PDF; 0: one per CPU core
    item_stats_min_sample: int = (
        30  # candidates an item needs before its statistics flag it or steer assembly
    )
    item_flag_easy_percent: int = 95  # facility above this: too easy
    item_flag_hard_percent: int = 20  # facility below this: too hard
    item_flag_discrimination_hundredths: int = 15  # corrected point-biserial below this: discriminates little
    item_flag_rare_option_percent: int = 2  # a wrong option chosen by fewer than this: a throwaway
    retention_years: int = 5  # personal data kept this long after a trainee's last class (examsvc retention)
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get("EXAMSVC_" + f.name.upper())
            if raw is None:
                continue
            if f.name in {"instance_dir", "key_dir"}:
                values[f.name] = Path(raw)
            elif f.type == "bool":
                values[f.name] = _bool(raw)
            elif f.type == "int":
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        config = cls(**values)
        if config.env != "production" and "EXAMSVC_COOKIE_SECURE" not in environ:
            # Development serves plain http on 127.0.0.1, where a Secure cookie is never sent back.
            config = replace(config, cookie_secure=False)
        return config

    def with_overrides(self, overrides: Mapping[str, object]) -> Config:
        return replace(self, **overrides)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.instance_dir / 'examsvc.db'}"

    def resolved_key_dir(self) -> Path:
        return self.key_dir or self.instance_dir / "keys"

    def check(self) -> None:
        if self.env not in {"development", "production", "testing"}:
            raise ConfigError(f"EXAMSVC_ENV must be development, production or testing, not {self.env!r}")
        if self.jobs_backend not in {"inline", "rq"}:
            raise ConfigError(f"EXAMSVC_JOBS_BACKEND must be inline or rq, not {self.jobs_backend!r}")
        if self.jobs_backend == "rq" and not self.redis_url:
            raise ConfigError("EXAMSVC_JOBS_BACKEND=rq needs EXAMSVC_REDIS_URL")
        if self.retention_years < self.cert_valid_years:
            # anonymising clears certificate tokens: only ever of certificates that have expired
            raise ConfigError("EXAMSVC_RETENTION_YEARS must be at least EXAMSVC_CERT_VALID_YEARS")
        if self.is_production:
            missing = [
                name
                for name, value in (
                    ("EXAMSVC_SECRET_KEY", self.secret_key),
                    ("EXAMSVC_KEY_DIR", self.key_dir),
                )
                if not value
            ]
            if missing:
                raise ConfigError("production mode needs " + " and ".join(missing))
            if len(self.secret_key) < 32:
                raise ConfigError("EXAMSVC_SECRET_KEY must be at least 32 characters in production")
            if self.metrics_token and len(self.metrics_token) < 32:
                raise ConfigError("EXAMSVC_METRICS_TOKEN must be at least 32 characters in production")
            if not self.allow_insecure_base_url and insecure_base_url(self.base_url):
                raise ConfigError(
                    f"EXAMSVC_BASE_URL must be an https address others can reach in production (it is"
                    f" printed in every certificate's QR code), not {self.base_url!r}; to try production"
                    " mode on one machine set EXAMSVC_ALLOW_INSECURE_BASE_URL=true"
                )


def insecure_base_url(url: str) -> bool:
    """Plain http, or an address only this machine reaches: no QR code printed with it would work."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    local = {"", "localhost", "::1", "0.0.0.0"}  # noqa: S104  # nosec B104 - names compared, nothing bound
    return parts.scheme != "https" or host in local or host.startswith("127.")
