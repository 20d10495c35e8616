"""Attaches the database, keys, extensions, hooks and blueprints to a new app."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import models  # noqa: F401  (every table registered before first use)
from .admin.views import bp as admin_bp
from .auth.rules import HOME_ENDPOINT
from .auth.service import user_for_token
from .auth.views import bp as auth_bp
from .certificates import fast_verify
from .certificates.employer_views import bp as employer_bp
from .certificates.public_views import bp as verify_bp
from .certificates.revocations import Mirror
from .certificates.views import bp as certificates_bp
from .certificates.wallet_views import bp as wallet_bp
from .classes.institution_views import bp as inst_classes_bp
from .classes.officer_views import bp as review_bp
from .core.clock import Clock
from .core.config import Config
from .core.crypto.passwords import make_hasher
from .core.db import Database, db_session, make_engine
from .core.keyring import load_keyring
from .exams.move_views import bp as moves_bp
from .exams.photo_views import bp as photos_bp
from .exams.photo_views import roster_bp as roster_photos_bp
from .exams.tablet_views import bp as tablet_bp
from .exams.ticket_views import bp as tickets_bp
from .exams.views import bp as sittings_bp
from .home.views import bp as home_bp
from .itemstats.views import bp as itemstats_bp
from .jobs import workers as job_workers
from .jobs.views import bp as jobs_bp
from .lookup.class_views import bp as result_sheets_bp
from .lookup.views import bp as lookup_bp
from .ops.health import bp as ops_bp
from .ops.metrics_views import bp as metrics_bp
from .oversight.audit_views import bp as audit_bp
from .oversight.enterprise_views import bp as enterprises_bp
from .oversight.file_views import bp as files_bp
from .oversight.institution_views import bp as institutions_bp
from .oversight.views import bp as oversight_bp
from .papers.views import bp as papers_bp
from .questions.review_views import bp as bank_review_bp
from .questions.views import bp as bank_bp
from .scans.views import bp as scans_bp
from .trainees.views import bp as trainees_bp
from .web import request_log
from .web.access import enforce_access, may_use
from .web.banners import hide_server_banners
from .web.converters import IdConverter
from .web.emphasis import emphasis
from .web.errors import register_error_handlers
from .web.extensions import babel, csrf, login_manager
from .web.i18n import LANGUAGES, local_time, percent, select_locale
from .web.json_bounds import BoundedJSONProvider
from .web.labels import action_label, code_label, kind_label, role_label
from .web.ratelimit import Limiter
from .web.security import add_security_headers, refuse_unstorable_input


def wire(app: Flask, cfg: Config) -> None:
    app.json = BoundedJSONProvider(app)  # before anything reads a request's JSON
    app.url_map.converters["int"] = IdConverter  # before any route is added
    Database(make_engine(cfg.resolved_database_url())).init_app(app)
    app.extensions["examsvc.keys"] = load_keyring(
        cfg.resolved_key_dir(),
        create_missing=not cfg.is_production,
        lead_seconds=cfg.key_prepublish_hours * 3600,
    )
    app.extensions["examsvc.hasher"] = make_hasher(cfg.argon2_time_cost, cfg.argon2_memory_kib)
    app.extensions["examsvc.limiter"] = Limiter(cfg.redis_url)
    app.extensions["examsvc.mirror"] = Mirror.of_database(cfg.resolved_database_url())
    app.extensions["examsvc.clock"] = Clock()

    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    login_manager.login_view = "auth.login"
    login_manager.user_loader(lambda token: user_for_token(db_session(), token))

    request_log.install(app)
    job_workers.install(app)
    app.before_request(refuse_unstorable_input)  # before anything reads a query or a form
    app.before_request(enforce_access)
    app.after_request(add_security_headers)
    register_error_handlers(app)
    hide_server_banners()

    for blueprint in (
        auth_bp,
        home_bp,
        admin_bp,
        bank_bp,
        bank_review_bp,
        itemstats_bp,
        inst_classes_bp,
        review_bp,
        trainees_bp,
        papers_bp,
        sittings_bp,
        tablet_bp,
        tickets_bp,
        photos_bp,
        scans_bp,
        roster_photos_bp,
        moves_bp,
        certificates_bp,
        verify_bp,
        employer_bp,
        wallet_bp,
        lookup_bp,
        result_sheets_bp,
        ops_bp,
        metrics_bp,
        audit_bp,
        oversight_bp,
        institutions_bp,
        enterprises_bp,
        files_bp,
        jobs_bp,
    ):
        app.register_blueprint(blueprint)
    fast_verify.install(app)  # the JSON verification API's hot path, below Flask (with Redis only)
    if cfg.proxy_hops:  # outermost, so that every layer sees the client's address, not the proxy's
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=cfg.proxy_hops, x_proto=cfg.proxy_hops)  # type: ignore[method-assign]

    app.add_template_filter(local_time)
    app.add_template_filter(percent)
    app.add_template_filter(emphasis)

    @app.context_processor
    def template_helpers() -> dict[str, object]:
        return {
            "LANGUAGES": LANGUAGES,
            "get_locale": get_locale,
            "may_use": lambda endpoint: may_use(endpoint, getattr(current_user, "role", None)),
            "role_label": role_label,
            "kind_label": kind_label,
            "action_label": action_label,
            "code_label": code_label,
            "home_endpoint": HOME_ENDPOINT.get(getattr(current_user, "role", ""), "auth.login"),
        }
