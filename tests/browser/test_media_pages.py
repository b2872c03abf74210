"""The keeper counts a cabinet on a phone: start, scan, see the difference, explain it, close."""
import pytest

from app.custody import media
from tests import factories as f
from tests.browser.conftest import log_in, off_origin

pytestmark = pytest.mark.browser


def test_keeper_counts_a_cabinet_on_a_phone(browse, database, live_server):
    f.site()
    keeper = f.user("archivist")
    here = media.register(category="usb_drive", serial_no="U-1", cabinet="KF-A-01")
    gone = media.register(category="optical_disc", serial_no="D-1", cabinet="KF-A-01")
    page, recorded = browse(phone=True)
    log_in(page, keeper.username)
    page.goto("/media/counts")
    page.select_option("select[name=cabinet]", "KF-A-01")
    page.click("main form[action$='/media/counts'] button[type=submit]")
    assert "Shelf A-01" in page.locator("h1").inner_text()
    page.fill("input[name=code]", here.item.code.lower())
    page.press("input[name=code]", "Enter")
    assert "在位" in page.locator(".flash-success").inner_text()
    assert page.locator(f"li[data-result=missing]:has-text('{gone.item.code}')").count() == 1
    page.click("form[action$='/close'] button[type=submit]")  # the browser refuses: explanation required
    assert page.url.endswith(page.url.split("/media/")[1]) and page.locator(".flash-success").count() == 1
    page.fill(f"input[name='why-{gone.item.code}']", "送档案部门核验")
    page.click("form[action$='/close'] button[type=submit]")
    assert "清点已结束" in page.locator(".flash-success").inner_text()
    tally = page.locator("[data-field=tally]").inner_text()
    assert "缺失" in tally and "在位" in tally
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert off_origin(recorded.urls, live_server) == []
