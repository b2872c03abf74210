"""Logging in and using the core pages in a real browser, on a phone and on a desktop."""
import pytest

from tests import factories as f
from tests.browser.conftest import log_in as _login
from tests.browser.conftest import off_origin

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_login_dashboard_and_item_page(browse, database, live_server, phone):
    f.site()
    archivist = f.user("archivist")
    vol = f.item(archive_no="J012-WS·2019-Y-0001", title="会议纪要（第26次）")
    holder = f.person("王强")
    page, recorded = browse(phone=phone)
    _login(page, archivist.username)
    assert page.locator("h1").inner_text() == "概览"
    assert page.locator("[data-stat=in_storage]").inner_text() == "1"
    # the item page at /i/<code>, as its label's QR code will open it
    page.goto(f"/i/{vol.code.lower()}")
    assert page.url.endswith(f"/i/{vol.code}")
    assert page.locator(".archive-no").inner_text() == "J012-WS·2019-Y-0001"
    page.select_option("select[name=co-location]", "WS-01")
    page.fill("input[name=co-holder]", holder.badge_code.lower())
    page.click("form[action$='/checkout'] button[type=submit]")
    assert "已借出给" in page.locator(".flash-success").inner_text()  # says to whom and where
    assert page.locator("[data-field=holder]").inner_text() == "王强"
    assert page.locator("table.history tbody tr").count() == 1
    # the layout fits the screen: nothing wider than the viewport on a phone
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert off_origin(recorded.urls, live_server) == []


def test_language_switch_sticks_in_the_browser(browse, database):
    f.site()
    user = f.user("supervisor")
    page, _ = browse(phone=True)
    _login(page, user.username)
    page.click("form.lang button")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.goto("/items")
    assert page.locator("h1").inner_text() == "Items"
    assert page.evaluate("document.documentElement.lang") == "en"


def test_refused_movement_is_shown_and_changes_nothing(browse, database):
    f.site()
    user = f.user("operator")
    vol = f.item()
    page, _ = browse(phone=True)
    _login(page, user.username)
    page.goto(f"/i/{vol.code}")
    page.fill("input[name=co-holder]", "B99999999")
    page.click("form[action$='/checkout'] button[type=submit]")
    assert "没有姓名或工牌号为 B99999999 的人员" in page.locator(".flash-error").inner_text()
    assert page.locator("table.history tbody tr td.empty").count() == 1
