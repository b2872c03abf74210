"""The top bar's search box at 360×740 and 1366×768, in both languages."""
import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone, locale", [(True, "zh-CN"), (False, "en-US")], ids=["phone-zh", "desktop-en"])
def test_the_search_box_finds_an_archive_number_with_another_separator_and_a_person(browse, database, live_server,
                                                                                  phone, locale):
    f.site()
    vol = f.item(archive_no="J012-WS·2018-Y-0003")
    f.item(archive_no="J012-WS·2019-Y-0001")
    liu = f.person("刘洋")
    boss = f.user("supervisor")
    page, _urls = browse(phone=phone, locale=locale)
    if not phone:
        page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, boss.username)
    if phone:
        page.click(".nav-button")
    box = page.locator(".nav-search input[type=search]")
    expect(box).to_be_visible()
    box.fill("J012-WS.2018-Y-0003")
    box.press("Enter")
    expect(page).to_have_url(f"{live_server}/i/{vol.code}")
    if phone:
        page.click(".nav-button")
    box.fill(liu.badge_code)
    box.press("Enter")
    expect(page.locator(".search-people")).to_contain_text("刘洋")
    expect(page.locator("h1")).to_have_text("搜索" if locale == "zh-CN" else "Search")
    if not phone:
        assert page.locator(".topbar").bounding_box()["height"] < 64  # the box fits the one-row bar
