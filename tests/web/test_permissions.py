"""Deny by default, checked over every route in app.url_map, so routes added later are covered too.

Each non-public route: an anonymous visitor is sent to the login page (pages) or gets a 401 JSON
envelope (/api/); every role the view's permission does not list gets 403; a role it lists is not
refused. The auditor reads every audit page and is refused every POST route.
"""
import uuid

import pytest
from werkzeug.routing.converters import AnyConverter, IntegerConverter, UUIDConverter

from app.custody.models import PRIVILEGED_ROLES, ROLES
from app.custody.permissions import allowed
from app.security import PERMISSION_ATTR, PUBLIC_ATTR
from tests import factories
from tests.conftest import csrf_token

SKIP_METHODS = {"HEAD", "OPTIONS"}
# POST routes an auditor may use: their own session and account, nothing else in the app
OWN_ACCOUNT_POSTS = {"auth.logout", "auth.change_password", "auth.create_token", "auth.revoke_token",
                     "auth.set_language", "auth.login"}
# POST routes that only read data: the auditor starts the completion bundle's export (a file, no data changed)
AUDITOR_READ_POSTS = {"completion.start_bundle"}
# 三员分离: a privileged change needs a second privileged person of another role; the auditor may be that
# person (by default only when the account concerned is the security officer's own): the domain rule
# (app.custody.people.rules.can_approve) decides each request, the route is open to the three roles
COUNTERSIGN_POSTS = {"people.decide_role"}


def sample_value(converter):
    """A URL argument of the right shape: int → 1, any(a, b) → a, uuid → a uuid, else 'X'."""
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=1)
    return "X"


def routes(app):
    """(endpoint, method, url, permission) for every route; permission None means public."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            view = app.view_functions[rule.endpoint]
            values = {name: sample_value(conv) for name, conv in rule._converters.items()}
            url = rule.build(values, append_unknown=False)[1]
            permission = None if getattr(view, PUBLIC_ATTR, False) else getattr(view, PERMISSION_ATTR, "")
            for method in sorted(rule.methods - SKIP_METHODS):
                found.append((rule.endpoint, method, url, permission))
    return found


def call(client, method, url, token):
    # a real browser form or JS caller carries the CSRF token: the refusal must come from the role check
    response = client.open(url, method=method, data={"csrf_token": token} if method != "GET" else None,
                           headers={"X-CSRFToken": token, "Accept": "text/html"})
    response.get_data()  # read streamed bodies (CSV exports) to the end, as a browser would
    return response


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_every_route_declares_public_or_a_permission(app):
    undeclared = [(e, m) for e, m, _u, p in routes(app) if p == ""]
    assert undeclared == [], "views without @require or @public are closed to everyone"


def test_anonymous_is_refused_everywhere_but_public_routes(app, client, site):
    token = csrf_token(client, "/login")
    checked = 0
    for endpoint, method, url, permission in routes(app):
        if permission is None:
            continue
        response = call(client, method, url, token)
        where = f"{method} {url} ({endpoint})"
        if url.startswith("/api/"):
            assert response.status_code == 401, where
            assert response.get_json()["error"]["code"] == "unauthorized", where
        else:
            assert response.status_code == 302, where
            assert response.headers["Location"].split("?")[0].endswith("/login"), where
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_what_its_permissions_do_not_allow(app, site, role):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = factories.user(role)
    token = csrf_token(client)
    assert client.post("/login", data={"username": user.username, "password": factories.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    token = csrf_token(client, "/account")
    refused = 0
    for endpoint, method, url, permission in routes(app):
        if permission is None or endpoint in ("auth.logout",):
            continue
        response = call(client, method, url, token)
        where = f"{role}: {method} {url} ({endpoint}, needs {permission})"
        # the auditor reads every page: GET is open to it everywhere, every write still needs the role
        auditor_read = role == "auditor" and method == "GET"
        if permission != "*" and not allowed({role}, permission) and not auditor_read:
            assert response.status_code == 403, where
            if url.startswith("/api/"):
                assert response.get_json()["error"]["code"] == "forbidden", where
            refused += 1
        else:
            # allowed: never sent to log in, never refused on a read
            assert response.status_code not in (401,), where
            assert not (response.status_code == 302
                        and response.headers["Location"].split("?")[0].endswith("/login")), where
            if method == "GET":
                assert response.status_code != 403, where
    assert refused > 0


def test_auditor_reads_every_page_and_is_refused_every_post(app, client, site, login):
    login("auditor")
    token = csrf_token(client, "/account")
    audit_gets = [(e, u) for e, m, u, _p in routes(app) if m == "GET" and u.startswith("/audit")]
    assert len(audit_gets) >= 5
    for endpoint, url in audit_gets:
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200, endpoint
    # the administrator's pages too, read-only: users and roles, locations, settings, readers, printers
    for url in ("/admin/users", "/admin/locations", "/admin/settings", "/admin/readers", "/labels/printers",
                "/alerts/settings"):
        assert client.get(url).status_code == 200, url
    posts = [(e, u, p) for e, m, u, p in routes(app) if m == "POST"]
    own = set()
    for endpoint, url, permission in posts:
        if permission in (None, "*"):
            if permission is None and endpoint not in OWN_ACCOUNT_POSTS:
                # a public write authenticated by other means (a reader's own token) refuses a login session
                assert call(client, "POST", url, token).status_code in (401, 403), f"auditor may POST {url}"
                continue
            own.add(endpoint)
            continue
        if endpoint in AUDITOR_READ_POSTS:
            assert allowed({"auditor"}, permission) and not any(
                allowed({r}, permission) for r in ROLES if r != "auditor"), endpoint
            continue
        if endpoint in COUNTERSIGN_POSTS:
            assert {r for r in ROLES if allowed({r}, permission)} == set(PRIVILEGED_ROLES), endpoint
            continue
        assert call(client, "POST", url, token).status_code == 403, f"auditor may POST {url} ({endpoint})"
    # the only writes open to every account are the account's own session and password, never data
    assert own <= OWN_ACCOUNT_POSTS, own - OWN_ACCOUNT_POSTS


def test_administrator_cannot_read_the_logs(app, client, site, login):
    login("administrator")
    audit_urls = {(e, u) for e, _m, u, _p in routes(app) if u.startswith("/audit")}
    assert audit_urls
    for endpoint, url in sorted(audit_urls):
        assert client.get(url).status_code == 403, endpoint


# the media register (docs/media.md): who reads it, who registers, lends, counts and ends media
MEDIA_EXPECTED = {
    # role: (GET /media, POST /media/new, POST lend, POST count, POST dispose)
    "operator": (403, 403, 403, 403, 403),
    "archivist": (200, 403, 302, 302, 403),
    "supervisor": (200, 403, 403, 403, 403),
    "security_officer": (200, 422, 302, 302, 302),
    "auditor": (200, 403, 403, 403, 403),
    "administrator": (403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("role", sorted(MEDIA_EXPECTED))
def test_media_register_permissions_per_role(app, site, role):
    from app.custody import media

    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    medium = media.register(category="usb_drive", serial_no="PERM-1", cabinet="KF-A-01")
    user = factories.user(role)
    token = csrf_token(client)
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token})
    token = csrf_token(client, "/account")
    got = (
        client.get("/media/").status_code,
        client.post("/media/new", data={"csrf_token": token, "category": "usb_drive"}).status_code,
        client.post(f"/media/i/{medium.item.code}/lend", data={"csrf_token": token}).status_code,
        client.post("/media/counts/1/scan", data={"csrf_token": token, "code": medium.item.code}).status_code,
        client.post(f"/media/i/{medium.item.code}/dispose", data={"csrf_token": token}).status_code,
    )
    assert got == MEDIA_EXPECTED[role]


ASSIGNMENT_EXPECTED = {
    # role: (POST /api/v1/steps/assignments, GET /api/v1/steps/assignments, GET …/assignments/mine, GET /flow/assign)
    "operator": (403, 403, 200, 403),
    "archivist": (403, 403, 200, 403),
    "supervisor": (201, 200, 200, 200),
    "security_officer": (403, 403, 403, 403),
    "auditor": (403, 200, 200, 200),  # reads every page and list, assigns nothing
    "administrator": (403, 403, 403, 403),
}


@pytest.mark.parametrize("role", sorted(ASSIGNMENT_EXPECTED))
def test_task_assignment_permissions_per_role(app, site, role):
    volume = factories.item()
    user = factories.user(role)
    client = app.test_client()
    token = csrf_token(client)
    client.post("/login", data={"username": user.username, "password": factories.PASSWORD, "csrf_token": token})
    token = csrf_token(client, "/account")
    got = (
        client.post("/api/v1/steps/assignments", json={"step": "scan", "codes": [volume.code], "workstation": "WS-01"},
                    headers={"X-CSRFToken": token}).status_code,
        client.get("/api/v1/steps/assignments").status_code,
        client.get("/api/v1/steps/assignments/mine?workstation=WS-01").status_code,
        client.get("/flow/assign").status_code,
    )
    assert got == ASSIGNMENT_EXPECTED[role]
