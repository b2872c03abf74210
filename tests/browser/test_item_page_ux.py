"""The item page on a phone: its home shelf, a return that goes there, a person picked by name, sections
that show they open, success messages that say who and where. A screenshot goes to CUSTODY_SCREENSHOT_DIR (docs/img when refreshing the docs)."""

import pytest
from playwright.sync_api import expect

from app.custody import services
from app.custody.models import Item
from tests import factories as f
from tests.browser.conftest import SHOTS, log_in, off_origin

pytestmark = pytest.mark.browser
IMG = SHOTS  # docs/img when CUSTODY_SCREENSHOT_DIR says so


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_return_goes_home_and_check_out_by_name(browse, database, live_server, locale):
    f.site()
    vol = f.item(at="KF-A-02", archive_no="J012-WS·2018-Y-0040")
    Item.update(home=f.loc("KF-A-02")).where(Item.id == vol.id).execute()
    liu = f.person("刘洋")
    services.check_out(vol.code, to=f.loc("WS-01"), holder=liu, actor=None)
    archivist = f.user("archivist")
    page, recorded = browse(phone=True, locale=locale)
    log_in(page, archivist.username)
    page.goto(f"/i/{vol.code}")
    expect(page.locator("[data-field=home]")).to_contain_text("KF-A-02")
    expect(page.locator("select[name=rt-location]")).to_have_value("KF-A-02")
    # a closed section shows it opens: an arrow before its title
    closed = page.locator("details:not([open]) > summary").first
    assert page.evaluate("s => getComputedStyle(s, '::before').content", closed.element_handle()) == '"▸"'
    if locale == "zh-CN":
        IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMG / "item-page-phone.png"), full_page=True)
    page.locator("form[action$='/return'] button[type=submit]").tap()
    success = page.locator(".flash-success")
    expect(success).to_contain_text("Shelf A-02")
    assert Item.get_by_id(vol.id).location.code == "KF-A-02"

    page.locator("select[name=co-location]").select_option("WS-01")
    page.locator("input[name=co-holder]").fill("刘洋")
    page.locator("form[action$='/checkout'] button[type=submit]").tap()
    expect(success).to_contain_text("刘洋")
    expect(success).to_contain_text("Workstation 1")
    assert Item.get_by_id(vol.id).holder_id == liu.id
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert off_origin(recorded.urls, live_server) == []
