"""The board in real Chromium at phone size: a new alert appears and a row acknowledged elsewhere changes without a
reload; the nav count follows. It uses the session's one Chromium (tests/browser/conftest.py): a second
Playwright started beside it failed with "Sync API inside the asyncio loop"."""
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.custody import alerts
from app.custody.nights.sweep import sweep_night
from tests import factories
from tests.alerts.helpers import CUTOFF, NIGHT, out, person, site


@pytest.fixture
def served(app, database):
    s = site()
    who = person("赵六")
    out(factories.item(), who, CUTOFF - timedelta(hours=2, minutes=30))
    sweep_night(s, NIGHT, now=CUTOFF + timedelta(minutes=30))
    user = factories.user("supervisor")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", user
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.browser
def test_new_alert_appears_on_the_phone_board_without_reload(_browser, served, tmp_path):
    base, user = served
    context = _browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill('input[name="username"]', user.username)
        page.fill('input[name="password"]', factories.PASSWORD)
        with page.expect_navigation():
            page.press('input[name="password"]', "Enter")
        page.goto(f"{base}/alerts/")
        assert page.locator("tr.alert-row").count() == 1
        page.wait_for_selector('.charts[data-ready="1"]', timeout=15000)
        page.evaluate("window.__notReloaded = true")
        page.click("#sound-toggle")  # a click: browsers allow sound only after one
        assert page.get_attribute("#sound-toggle", "aria-pressed") == "true"
        beeps = int(page.evaluate("document.body.dataset.beeps || '0'"))
        fresh = alerts.open_alert("volume_at_exit", severity="critical", location=factories.loc("DOOR-1"),
                                  message="卷 V00000001 经过大门", dedupe_key="door:browser")
        row = page.wait_for_selector(f'tr.alert-row[data-id="{fresh.id}"]', timeout=20000)
        assert "卷 V00000001 经过大门" in row.inner_text()
        assert page.evaluate("window.__notReloaded") is True
        # another supervisor acknowledges the overnight alert: this board shows it without a reload
        overnight_row = page.locator("tr.alert-row[data-kind='overnight']")
        overnight_id = int(overnight_row.get_attribute("data-id"))
        alerts.acknowledge(overnight_id, user=factories.user("supervisor"), note="电话联系了赵六")
        page.wait_for_selector(f'tr.alert-row[data-id="{overnight_id}"][data-status="acknowledged"]',
                               timeout=20000)
        assert page.locator(f'tr.alert-row[data-id="{overnight_id}"]').count() == 1  # replaced, not added
        page.wait_for_function("() => document.querySelector('[data-count=\"acknowledged\"]').textContent === '1'",
                               timeout=20000)
        assert page.evaluate("window.__notReloaded") is True
        # a critical alert sounds (Web Audio); the board counts the beeps it played
        page.wait_for_function(f"() => Number(document.body.dataset.beeps || 0) > {beeps}", timeout=10000)
        # open now: the door alarm (the overnight one was acknowledged above)
        page.wait_for_function("() => document.querySelector('.nav-count') && "
                               "document.querySelector('.nav-count .n').textContent === '1'", timeout=20000)
        assert page.evaluate("document.documentElement.scrollWidth") <= 391  # no sideways scrolling
        page.goto(f"{base}/")  # the count is on every page, not only on the board
        page.wait_for_function("() => document.querySelector('.nav a[href=\"/alerts/\"] .nav-count') && "
                               "document.querySelector('.nav a[href=\"/alerts/\"] .nav-count .n').textContent"
                               " === '1'", timeout=20000)
        assert page.is_visible(".nav-button .nav-count.critical")  # folded menu on a phone: on its button
        page.goto(f"{base}/alerts/")
        shots = Path(os.environ.get("CUSTODY_SCREENSHOT_DIR") or tmp_path)
        page.screenshot(path=str(shots / "board-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1600, "height": 900})
        page.click("#wall-toggle")
        page.screenshot(path=str(shots / "board-wall.png"), full_page=True)
    finally:
        context.close()
