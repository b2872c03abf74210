"""Configuration: defaults → instance/config.py → CUSTODY_* environment variables."""
import os
from datetime import timedelta

from flask import Flask

DEFAULTS = {
    "DATABASE_URL": None,  # None: sqlite:///<instance>/custody.db
    "SITE_TIMEZONE": "Asia/Shanghai",
    "IDLE_TIMEOUT_MINUTES": 15,
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCK_MINUTES": 15,
    "LANGUAGES": ["zh_CN", "en"],
    "BABEL_DEFAULT_LOCALE": "zh_CN",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_CHECK_DEFAULT": False,  # checked in a before_request, skipped for bearer tokens
    "WTF_CSRF_TIME_LIMIT": None,  # the session's own idle limit bounds the token
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # catalogue uploads
    "ENV_NAME": "production",
    # scans written by one writer thread per process, many per commit (app/custody/groupcommit.py).
    # Off: each scan is its own transaction under the site's write lock, and several worker processes
    # share the load — faster wherever an fsync is cheap (docs: README "Handheld scanning", benchmark)
    "SCAN_GROUP_COMMIT": False,
    # flow sheets: counts of consecutive counted steps may differ by this much before they are flagged
    "FLOW_COUNT_TOLERANCE": 0,
}


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill app.config; refuse to start outside development and tests without a secret key."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CUSTODY")
    else:
        app.config.from_prefixed_env("CUSTODY")
        app.config.from_mapping(test_config)
    env = app.config.get("ENV_NAME", "production")
    if not app.config.get("SECRET_KEY"):
        if app.config.get("TESTING") or env in ("development", "test"):
            app.config["SECRET_KEY"] = os.urandom(32).hex()
        else:
            raise ConfigError(
                "CUSTODY_SECRET_KEY is not set. Set it to a long random value "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "custody.db")
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))
    # cookies only over HTTPS in production (behind the TLS proxy); the local demo sets SECURE_COOKIES=False
    secure = app.config.get("SECURE_COOKIES")
    if secure is None:
        secure = env == "production" and not app.config.get("TESTING")
    app.config["SESSION_COOKIE_SECURE"] = bool(secure)
