"""The security officer vets a person and activates the badge on a phone, in a real browser."""
from datetime import timedelta

import pytest

from app.custody import clock
from app.custody.models import Person
from tests import factories as f
from tests.browser.conftest import log_in, off_origin

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_vetting_page_records_items_and_activates(browse, database, live_server, phone):
    f.site()
    officer = f.user("security_officer")
    who = f.person("陈新", badge_status="pending")
    page, recorded = browse(phone=phone)
    log_in(page, officer.username)
    assert page.locator("[data-stat=waiting_vetting]").inner_text() == "1"
    page.click("[data-stat=waiting_vetting]")
    page.click("text=陈新")
    assert page.locator("h1").inner_text() == "审查与工作证"
    day = (clock.now().date() - timedelta(days=3)).isoformat()
    for item in ("identity", "no_criminal_record", "labour_contract", "confidentiality", "training"):
        page.select_option("#vetting-form select[name=item]", item)
        page.fill("#vetting-form input[name=done_on]", day)
        page.fill("#vetting-form input[name=reference]", f"REF-{item}")
        if item == "training":
            page.fill("#vetting-form input[name=hours]", "40")
        if item == "identity":
            # activation before the rest is refused, naming what is missing
            page.click("#vetting-form button[type=submit]")
            page.click("#activate")
            assert "无犯罪记录证明 (未记录)" in page.locator(".flash-error").inner_text()
            continue
        page.click("#vetting-form button[type=submit]")
        assert "REF-" + item in page.locator(f"tr[data-item={item}]").inner_text()
    assert "可以启用" in page.locator("[data-field=gaps]").inner_text()
    page.click("#activate")
    assert page.locator("[data-field=badge-status]").inner_text() == "有效"
    assert Person.get_by_id(who.id).badge_status == "active"
    assert page.locator("table.changes tr[data-kind=badge_activated]").count() == 1
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert off_origin(recorded.urls, live_server) == []
