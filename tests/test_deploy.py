"""Deployment-facing behaviour: behind the reverse proxy (CUSTODY_PROXY_FIX=1) the admin log records
the client's address; the admin commands the operations page uses."""
import uuid

from app import create_app
from app.custody.models import AuditLog
from app.db import db
from tests.conftest import csrf_token


def _failed_login_ip(db_url, proxy_fix) -> str:
    app = create_app({"TESTING": True, "DATABASE_URL": db_url, "SECRET_KEY": uuid.uuid4().hex,
                      "PASSWORD_PROFILE": "fast", "PROXY_FIX": proxy_fix})
    client = app.test_client()
    # as nginx forwards it; over https Flask-WTF also checks the Referer, which browsers send
    headers = {"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https",
               "Referer": "https://localhost/login"}
    token = csrf_token(client)
    response = client.post("/login", data={"username": "nobody", "password": "wrong password", "csrf_token": token},
                           headers=headers)
    assert response.status_code == 401, response.status_code  # refused as a bad login, not as a bad form
    with app.app_context(), db.connection_context():
        return AuditLog.select().where(AuditLog.action == "login.failed").order_by(AuditLog.id.desc()).get().ip


def test_forwarded_client_address_is_logged_only_when_the_proxy_is_trusted(db_url):
    assert _failed_login_ip(db_url, 1) == "10.20.30.40"
    # without the setting a client cannot forge its address with a header
    assert _failed_login_ip(db_url, 0) == "127.0.0.1"


def test_create_user_command_reports_the_roles(app):
    result = app.test_cli_runner().invoke(args=["create-user", "kelly", "--role", "supervisor",
                                                "--password", "correct horse battery"])
    assert result.exit_code == 0, result.output
    assert "Created user kelly with roles: supervisor" in result.output
