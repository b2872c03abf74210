"""The administrator's pages: accounts with one-time passwords, roles, locations, settings."""
import re

import pytest

from app.custody import accounts, places, settings
from app.custody.errors import ConflictError, NotAllowedError, RoleSeparationError, ValidationError
from app.custody.models import AuditLog, Location, Site, User
from tests import factories as f
from tests.conftest import csrf_token

OTP_RE = re.compile(r'id="one-time-password">([^<]+)<')


def audit_actions():
    return [a.action for a in AuditLog.select().order_by(AuditLog.id)]


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def admin(site, login):
    return login("administrator", username="root")


def test_create_user_shows_one_time_password_once_and_it_forces_a_change(app, client, admin, post):
    person = f.person("李娜")
    page = post("/admin/users", {"new-username": "lina", "new-roles": ["operator", "archivist"],
                                 "new-badge": person.badge_code.lower()}, token_from="/admin/users")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cache-Control" in page.headers and page.headers["Cache-Control"] == "no-store"
    password = OTP_RE.search(text).group(1)
    assert len(password) >= 10
    user = User.get(User.username == "lina")
    assert user.roles == {"operator", "archivist"} and user.person_id == person.id and user.must_change_password
    # the list shows the account, its roles and person, but never the password again
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "lina" in listing and "李娜" in listing and password not in listing
    assert "user.create" in audit_actions()
    # the one-time password logs in and leads straight to the password change
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    response = client.post("/login", data={"username": "lina", "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert client.get("/items").headers["Location"].endswith("/account")  # nothing else until it is changed
    changed = client.post("/account/password", data={"current": password, "new": "a new long password",
                                                     "repeat": "a new long password",
                                                     "csrf_token": csrf_token(client, "/account")})
    assert changed.status_code == 302
    assert client.get("/items").status_code == 200


def test_create_user_refusals_are_shown_and_change_nothing(client, admin, post):
    before = (User.select().count(), AuditLog.select().where(AuditLog.action == "user.create").count())
    page = post("/admin/users", {"new-username": "x1", "new-roles": ["auditor", "administrator"]},
                token_from="/admin/users")
    assert page.status_code == 422
    assert "separation of the three roles" in page.get_data(as_text=True)
    page = post("/admin/users", {"new-username": "x2", "new-roles": ["operator"], "new-badge": "B99999999"},
                token_from="/admin/users")
    assert page.status_code == 422 and "Unknown badge: B99999999" in page.get_data(as_text=True)
    page = post("/admin/users", {"new-username": "root", "new-roles": ["operator"]}, token_from="/admin/users")
    assert page.status_code == 422 and "is taken" in page.get_data(as_text=True)
    assert (User.select().count(), AuditLog.select().where(AuditLog.action == "user.create").count()) == before


def test_refusal_message_is_translated(client, admin, post):
    client.post("/lang/zh_CN", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    page = post(f"/admin/users/{admin.id}/roles", {"roles-roles": ["administrator", "operator"]},
                token_from=f"/admin/users/{admin.id}")
    assert page.status_code == 403
    assert "不能修改自己的角色" in page.get_data(as_text=True)
    assert User.get_by_id(admin.id).roles == {"administrator"}


def test_change_roles_enable_disable_and_reset_password(client, admin, post):
    other = f.user("operator", username="wq")
    page = post(f"/admin/users/{other.id}/roles", {"roles-roles": ["supervisor"]}, token_from="/admin/users")
    assert page.status_code == 302
    assert User.get_by_id(other.id).roles == {"supervisor"}
    page = post(f"/admin/users/{other.id}/roles", {"roles-roles": ["security_officer", "auditor"]},
                token_from="/admin/users")
    assert page.status_code == 422 and User.get_by_id(other.id).roles == {"supervisor"}
    ask = post(f"/admin/users/{other.id}/disable", token_from="/admin/users")  # first a confirmation step
    assert ask.status_code == 200 and 'name="confirmed" value="1"' in ask.get_data(as_text=True)
    assert User.get_by_id(other.id).is_active
    assert post(f"/admin/users/{other.id}/disable", {"confirmed": "1"}, token_from="/admin/users").status_code == 302
    assert not User.get_by_id(other.id).is_active
    assert "Disabled" in client.get("/admin/users").get_data(as_text=True)
    assert post(f"/admin/users/{other.id}/enable", token_from="/admin/users").status_code == 302
    assert User.get_by_id(other.id).is_active
    page = post(f"/admin/users/{other.id}/password", token_from="/admin/users")
    password = OTP_RE.search(page.get_data(as_text=True)).group(1)
    assert User.get_by_id(other.id).must_change_password
    assert accounts.authenticate("wq", password).id == other.id
    assert audit_actions()[-5:] == ["user.roles", "user.disable", "user.enable", "user.password", "login"]
    # nobody disables themselves
    assert post(f"/admin/users/{admin.id}/disable", {"confirmed": "1"}, token_from="/admin/users").status_code == 403
    assert User.get_by_id(admin.id).is_active


def test_role_separation_in_the_service(site):
    root = f.user("administrator", username="root2")
    with pytest.raises(RoleSeparationError):
        accounts.create_user("both", f.PASSWORD, ["administrator", "security_officer"], by=root)
    victim = f.user("auditor", username="aud")
    with pytest.raises(RoleSeparationError):
        accounts.set_roles(victim, ["auditor", "security_officer"], by=root)
    with pytest.raises(NotAllowedError):
        accounts.set_roles(root, ["administrator", "operator"], by=root)  # nobody grants themselves a role
    officer = f.user("security_officer")
    with pytest.raises(NotAllowedError):
        accounts.set_roles(officer, ["security_officer", "operator"], by=officer)
    with pytest.raises(NotAllowedError):  # only an administrator manages accounts
        accounts.set_roles(victim, ["operator"], by=officer)
    assert User.get_by_id(victim.id).roles == {"auditor"}
    assert User.get_by_id(root.id).roles == {"administrator"}


def test_locations_create_rename_move_deactivate_appear_in_tree_and_log(client, admin, post):
    page = post("/admin/locations", {"new-code": "kf-b-01", "new-name": "Shelf B-01", "new-kind": "shelf",
                                     "new-parent": "KF"}, token_from="/admin/locations")
    assert page.status_code == 302
    shelf = Location.get(Location.code == "KF-B-01")
    assert shelf.parent.code == "KF" and shelf.kind == "shelf"
    tree = client.get("/admin/locations").get_data(as_text=True)
    assert "KF-B-01" in tree and "Shelf B-01" in tree
    assert post(f"/admin/locations/{shelf.id}/rename", {"rn-name": "乙架01"},
                token_from="/admin/locations").status_code == 302
    assert "乙架01" in client.get("/admin/locations").get_data(as_text=True)
    assert post(f"/admin/locations/{shelf.id}/move", {"mv-parent": "JG"},
                token_from="/admin/locations").status_code == 302
    assert Location.get_by_id(shelf.id).parent.code == "JG"
    assert post(f"/admin/locations/{shelf.id}/deactivate", token_from="/admin/locations").status_code == 302
    assert not Location.get_by_id(shelf.id).is_active
    assert "inactive" in client.get("/admin/locations").get_data(as_text=True)
    assert post(f"/admin/locations/{shelf.id}/activate", token_from="/admin/locations").status_code == 302
    assert Location.get_by_id(shelf.id).is_active
    rows = list(AuditLog.select().where(AuditLog.target == "location:KF-B-01").order_by(AuditLog.id))
    assert [r.action for r in rows] == ["location.create", "location.rename", "location.move",
                                        "location.deactivate", "location.reactivate"]
    assert all(r.username == "root" for r in rows)
    # the staff's locations page shows the new name too
    assert Location.get_by_id(shelf.id).name == "乙架01"


@pytest.mark.parametrize("data, message", [
    ({"new-code": "KF", "new-name": "Again", "new-kind": "storage", "new-parent": ""}, "The location code KF is taken."),
    ({"new-code": "X 1", "new-name": "Bad", "new-kind": "shelf", "new-parent": ""}, "A location code has"),
    ({"new-code": "X1", "new-name": "Orphan", "new-kind": "shelf", "new-parent": "NOPE"},
     "Unknown parent location: NOPE"),
    ({"new-code": "X2", "new-name": "Odd", "new-kind": "attic", "new-parent": ""}, "Not a valid choice"),
])
def test_location_refusals_change_nothing(client, admin, post, data, message):
    before = (Location.select().count(), AuditLog.select().count())
    page = post("/admin/locations", data, token_from="/admin/locations")
    assert page.status_code in (409, 422)
    assert message in page.get_data(as_text=True)
    assert (Location.select().count(), AuditLog.select().count()) == before


def test_location_cannot_be_its_own_ancestor_or_deactivated_while_used(client, admin, post):
    kf = f.loc("KF")
    before = AuditLog.select().count()
    page = post(f"/admin/locations/{kf.id}/move", {"mv-parent": "KF-A-01"}, token_from="/admin/locations")
    assert page.status_code == 422 and "own ancestor" in page.get_data(as_text=True)
    page = post(f"/admin/locations/{kf.id}/move", {"mv-parent": "KF"}, token_from="/admin/locations")
    assert page.status_code == 422 and "own ancestor" in page.get_data(as_text=True)
    assert Location.get_by_id(kf.id).parent.code == "SITE"
    f.item(at="KF-A-01")
    page = post(f"/admin/locations/{f.loc('KF-A-01').id}/deactivate", token_from="/admin/locations")
    assert page.status_code == 409 and "still holds 1 items" in page.get_data(as_text=True)
    page = post(f"/admin/locations/{kf.id}/deactivate", token_from="/admin/locations")
    assert page.status_code == 409 and "active locations under it" in page.get_data(as_text=True)
    assert Location.get_by_id(kf.id).is_active and AuditLog.select().count() == before


def test_places_service_directly(site):
    root = f.user("administrator")
    loc = places.create_location("ws-09", "Workstation 9", "workstation", parent_code="jg", by=root)
    assert loc.code == "WS-09" and loc.site_id == site.id
    with pytest.raises(ConflictError):
        places.create_location("WS-09", "Dup", "workstation", by=root)
    with pytest.raises(ValidationError):
        places.create_location("WS-10", "", "workstation", by=root)
    with pytest.raises(ValidationError):
        places.move_location(f.loc("SITE"), "WS-09", by=root)
    assert AuditLog.select().where(AuditLog.action == "location.create").count() == 1


def test_settings_page_validates_and_logs(client, admin, post):
    page = post("/admin/settings", {"name": "省档案馆数字化现场", "timezone": "Asia/Urumqi",
                                    "base_url": "https://custody.example.org/"}, token_from="/admin/settings")
    assert page.status_code == 302
    site = Site.get()
    assert (site.name, site.timezone, site.base_url) == ("省档案馆数字化现场", "Asia/Urumqi",
                                                         "https://custody.example.org")
    row = AuditLog.select().where(AuditLog.action == "site.settings").get()
    assert "Asia/Urumqi" in row.detail and row.username == "root"
    for data, message in [({"name": "N", "timezone": "Mars/Olympus", "base_url": ""}, "Unknown time zone"),
                          ({"name": "N", "timezone": "UTC", "base_url": "ftp://x"}, "public address"),
                          ({"name": "", "timezone": "UTC", "base_url": ""}, "This field is required")]:
        page = post("/admin/settings", data, token_from="/admin/settings")
        assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert Site.get().timezone == "Asia/Urumqi"
    assert AuditLog.select().where(AuditLog.action == "site.settings").count() == 1


def test_settings_service_creates_site_and_accepts_registered_fields(database):
    site = settings.update_site({"name": "New site", "timezone": "Asia/Shanghai"})
    assert site.code == "SITE" and AuditLog.get().action == "site.create"
    with pytest.raises(ValidationError):
        settings.update_site({"cutoff": "18:30"})
    settings.register_field("cutoff", lambda v: v.strip())
    try:
        assert settings.update_site({"cutoff": " 19:00 "}).cutoff == "19:00"
    finally:
        del settings.SITE_FIELDS["cutoff"]
