"""The item page's actions, each open to exactly the roles its permission names."""
from contextlib import contextmanager

from app.custody.models import Alert, Event, Item
from app.db import db
from tests import factories as f


@contextmanager
def in_db(app):
    # a short app context per block: one held across client requests would share `g` between them
    with app.app_context(), db.connection_context():
        yield


def _state(code):
    return Item.get(Item.code == code).state


def test_security_officer_quarantines_and_releases_but_moves_nothing(app, client, login, post):
    with in_db(app):
        f.site()
        code = f.item().code
    login("security_officer")
    page = client.get(f"/i/{code}").get_data(as_text=True)
    assert f"/i/{code}/quarantine" in page and f"/i/{code}/checkout" not in page
    response = post(f"/i/{code}/quarantine", {"qu-reason": "发现密级标志 secrecy mark"}, token_from=f"/i/{code}")
    assert response.status_code == 302
    with in_db(app):
        assert _state(code) == "quarantined"
        assert Alert.get(Alert.kind == "quarantine").status == "open"
    response = post(f"/i/{code}/release", {"re-reason": "已解密 declassified"}, token_from=f"/i/{code}")
    assert response.status_code == 302
    with in_db(app):
        assert _state(code) == "in_storage"
        events = Event.select().count()
    assert post(f"/i/{code}/checkout", {"co-location": "WS-01", "co-holder": "B00000001"},
                token_from=f"/i/{code}").status_code == 403
    with in_db(app):
        assert Event.select().count() == events and _state(code) == "in_storage"


def test_operator_moves_but_cannot_quarantine(app, client, login, post):
    with in_db(app):
        f.site()
        code = f.item().code
    user = login("operator")
    with in_db(app):
        badge = user.person.badge_code
    assert post(f"/i/{code}/quarantine", {"qu-reason": "x"}, token_from=f"/i/{code}").status_code == 403
    response = post(f"/i/{code}/checkout", {"co-location": "WS-01", "co-holder": badge}, token_from=f"/i/{code}")
    assert response.status_code == 302
    with in_db(app):
        assert _state(code) == "out"
