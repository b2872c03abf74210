"""Destructive admin actions ask first; a blank night-rule cutoff says what to enter; reader settings are
form fields, not raw JSON."""
import json

from app.custody.models import Reader, Site, User
from tests import factories as f


def test_a_blank_cutoff_says_what_to_enter_and_changes_nothing(client, login, post, site):
    login("administrator")
    post("/lang/zh_CN", {"next": "/alerts/settings"})
    before = Site.get_by_id(site.id).cutoff
    response = post("/alerts/settings", {"timezone": "Asia/Shanghai", "cutoff": "", "grace_minutes": "15"},
                    token_from="/alerts/settings")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "请按 HH:MM 填写每日截止时间（例如 18:00）。" in text
    assert Site.get_by_id(site.id).cutoff == before


def test_reader_settings_are_form_fields(client, login, post, site):
    login("administrator")
    page = client.get("/admin/readers").get_data(as_text=True)
    assert 'name="side_a"' in page and 'name="station_action"' in page
    response = post("/admin/readers", {"name": "kf-door", "location": "DOOR-1", "mode": "internal_door",
                                       "protocol": "chafon", "side_a": "KF", "side_b": "JG",
                                       "offline_seconds": "120"}, token_from="/admin/readers")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    reader = Reader.get(Reader.name == "kf-door")
    assert json.loads(reader.settings) == {"side_a": "KF", "side_b": "JG", "offline_seconds": 120}
    response = post("/admin/readers", {"name": "desk", "location": "WS-01", "mode": "station", "protocol": "barcode",
                                       "station_action": "move", "station_location": "WS-01"},
                    token_from="/admin/readers")
    assert response.status_code == 200
    assert json.loads(Reader.get(Reader.name == "desk").settings) == {"action": "move", "location": "WS-01"}


def test_disable_asks_first_and_cancel_changes_nothing(client, login, post, site):
    login("administrator")
    other = f.user("operator", username="lw")
    ask = post(f"/admin/users/{other.id}/disable", token_from="/admin/users")
    text = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "lw" in text and f'href="/admin/users/{other.id}"' in text
    assert User.get_by_id(other.id).is_active
