"""A volume's home (its shelf): from the catalogue or its first return; returns go there by default.
People are picked by name or badge; the success message says who and where."""
from contextlib import contextmanager

from app.custody import services
from app.custody.models import Item
from app.db import db
from tests import factories as f


@contextmanager
def in_db(app):
    with app.app_context(), db.connection_context():
        yield


def test_the_first_return_makes_the_home_and_the_return_form_defaults_to_it(app, client, login, post):
    with in_db(app):
        f.site()
        vol = f.item(at=None)  # registered without a place
        code = vol.code
        services.check_out(code, to=f.loc("WS-01"), holder=f.person("刘洋"), actor=None)
        services.return_to_storage(code, to=f.loc("KF-A-02"), actor=None)
        assert Item.get(Item.code == code).home.code == "KF-A-02"
        services.check_out(code, to=f.loc("WS-01"), holder=f.person("王强"), actor=None)
    login("archivist")
    page = client.get(f"/i/{code}").get_data(as_text=True)
    assert 'data-field="home">KF-A-02' in page
    assert '<option selected value="KF-A-02">' in page or 'value="KF-A-02" selected' in page
    response = post(f"/i/{code}/return", {"rt-location": "KF-A-02"}, token_from=f"/i/{code}")
    assert response.status_code == 302
    flashed = client.get(f"/i/{code}").get_data(as_text=True)
    assert "Shelf A-02" in flashed and code in flashed


def test_a_catalogue_shelf_is_the_home_and_a_plain_scan_return_goes_there(app, client, login, post):
    with in_db(app):
        f.site()
        vol = f.item(at="KF-A-02")
        Item.update(home=f.loc("KF-A-02")).where(Item.id == vol.id).execute()
        services.check_out(vol.code, to=f.loc("WS-01"), holder=f.person(), actor=None)
        services.move(vol.code, to=f.loc("KF"), actor=None)  # parked in the room, not on its shelf
        services.check_out(vol.code, to=f.loc("WS-02"), holder=f.person(), actor=None)
        from app.custody.scans import home_of

        assert home_of(Item.get_by_id(vol.id)).code == "KF-A-02"  # not the room it last left


def test_check_out_by_name_and_the_message_names_holder_and_place(app, client, login, post):
    with in_db(app):
        f.site()
        code = f.item().code
        liu = f.person("刘洋")
        f.person("张伟")
        f.person("张伟")
    login("archivist")
    post("/lang/zh_CN", {"next": f"/i/{code}"})
    page = client.get(f"/i/{code}").get_data(as_text=True)
    assert f'<option value="刘洋 · {liu.badge_code}">' in page  # the name picker
    response = post(f"/i/{code}/checkout", {"co-location": "WS-01", "co-holder": "刘洋"}, token_from=f"/i/{code}")
    assert response.status_code == 302
    page = client.get(f"/i/{code}").get_data(as_text=True)
    assert f"{code} 已借出给 刘洋，位于 Workstation 1。" in page
    with in_db(app):
        assert Item.get(Item.code == code).holder_id == liu.id
        services.return_to_storage(code, to=f.loc("KF-A-01"), actor=None)
    refused = post(f"/i/{code}/checkout", {"co-location": "WS-01", "co-holder": "张伟"}, token_from=f"/i/{code}")
    assert refused.status_code == 422 and "有多人名为 张伟" in refused.get_data(as_text=True)
    unknown = post(f"/i/{code}/checkout", {"co-location": "WS-01", "co-holder": "无名"}, token_from=f"/i/{code}")
    assert unknown.status_code == 404 and "没有姓名或工牌号为 无名 的人员" in unknown.get_data(as_text=True)
    with in_db(app):
        assert Item.get(Item.code == code).state == "in_storage"
