"""Draw the figures of the README's scan section (docs/img/): the scan page at 360×740 in Debian's Chromium, in a few states.

    .venv/bin/python tools/scan_figures.py      # writes docs/img/scan-*.png
"""
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from playwright.sync_api import expect, sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.custody import services
    from app.custody.migrate import upgrade
    from app.db import db, make_database
    from tests import factories as f

    tmp = Path(tempfile.mkdtemp(prefix="scan-figures-"))
    url = f"sqlite:///{tmp}/figures.db"
    database = make_database(url)
    database.connect()
    upgrade(database)
    database.close()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_PROFILE": "fast", "SECRET_KEY": "figures"})
    with app.app_context():
        db.connect(reuse_if_open=True)
        f.site()
        f.user("operator", username="wangqiang")
        vols = [f.item(archive_no=f"J012-WS·2019-Y-{n:04d}", title="会议纪要") for n in range(1, 6)]
        services.quarantine(vols[4].code, actor=None, reason="密级标识")
        db.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    out = ROOT / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        ctx = browser.new_context(base_url=base, locale="zh-CN", viewport={"width": 360, "height": 740},
                                  has_touch=True, is_mobile=True, device_scale_factor=1, service_workers="block")
        page = ctx.new_page()
        page.goto("/login")
        page.fill("input[name=username]", "wangqiang")
        page.fill("input[name=password]", f.PASSWORD)
        page.click("main button[type=submit]")
        page.goto("/scan")
        expect(page.locator("#scanner")).to_have_attribute("data-ready", "true")

        def wedge(code):
            page.keyboard.type(code, delay=2)
            page.keyboard.press("Enter")

        wedge("WS-01")
        for v in vols[:3]:
            wedge(v.code)
        expect(page.locator("#session-list li[data-status=ok]")).to_have_count(4)
        settle = "document.getAnimations().length === 0"  # the banner's flash-in has finished
        page.wait_for_function(settle)
        page.screenshot(path=str(out / "scan-green.png"))
        wedge(vols[4].code)
        expect(page.locator("#banner")).to_have_attribute("data-kind", "bad")
        page.wait_for_function(settle)
        page.screenshot(path=str(out / "scan-red.png"))
        page.route("**/api/v1/scans**", lambda route: route.abort("internetdisconnected"))
        wedge(vols[3].code)
        wedge(vols[0].code.lower())
        expect(page.locator("#waiting")).to_be_visible()
        page.wait_for_function(settle)
        page.screenshot(path=str(out / "scan-offline.png"))
        browser.close()
    server.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
    print("wrote", ", ".join(sorted(p.name for p in out.glob("scan-*.png"))))


if __name__ == "__main__":
    main()
