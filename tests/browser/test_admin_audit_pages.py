"""The administrator's and the auditor's pages in a real browser on a phone: no overflow, no outside requests."""
import pytest

from app.custody import services
from tests import factories as f
from tests.browser.conftest import log_in as _login
from tests.browser.conftest import off_origin

pytestmark = pytest.mark.browser


def test_admin_creates_an_account_on_a_phone(browse, database, live_server, tmp_path):
    f.site()
    admin = f.user("administrator")
    person = f.person("李娜")
    page, recorded = browse(phone=True)
    _login(page, admin.username)
    page.goto("/admin/users")
    assert page.locator("h1").inner_text() == "用户与角色"
    page.fill("input[name=new-username]", "lina")
    page.check("input[name=new-roles][value=archivist]")
    page.fill("input[name=new-badge]", person.badge_code)
    page.click("form[action$='/admin/users'] button[type=submit]")
    password = page.locator("#one-time-password").inner_text()
    assert len(password) == 14 and "账号 lina 已创建。" in page.locator(".flash-success").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "admin-users-phone.png"), full_page=True)
    page.reload()  # shown once: a reload asks to resend, a fresh visit shows no password
    page.goto("/admin/users")
    assert page.locator("#one-time-password").count() == 0
    page.goto("/admin/locations")
    page.locator("#loc-2 > details > summary").click()
    page.fill("#loc-2 input[name=rn-name]", "一号库房")
    page.click("#loc-2 form[action$='/rename'] button")
    assert "一号库房" in page.locator("#loc-2 summary").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert off_origin(recorded.urls, live_server) == []


def test_auditor_reads_the_logs_on_a_phone(browse, database, live_server, tmp_path):
    f.site()
    auditor = f.user("auditor")
    vol = f.item(archive_no="J012-WS·2019-Y-0001")
    services.check_out(vol.code, to=f.loc("WS-01"), holder=f.person("王强"), actor=None)
    page, recorded = browse(phone=True)
    _login(page, auditor.username)
    page.goto("/audit/")
    assert page.locator(".chain-ok").count() == 2
    page.goto("/audit/events")
    assert "J012-WS·2019-Y-0001" in page.locator("table.log tbody").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "audit-events-phone.png"), full_page=True)
    with page.expect_download() as download:
        page.click("a[href^='/audit/events.csv']")
    assert download.value.suggested_filename.startswith("custody-log-")
    assert open(download.value.path(), "rb").read().startswith(b"\xef\xbb\xbf")
    assert off_origin(recorded.urls, live_server) == []
