"""Make the figures of the README's alerts section (docs/figures/): the board on a phone and on a wall screen, the report as PDF page.

    .venv/bin/python tools/alerts_figures.py docs/figures
Needs Chromium at /usr/bin/chromium and pdftoppm (poppler-utils) for the PDF page.
"""
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(target: Path) -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.custody import accounts, alerts, services
    from app.custody.migrate import upgrade
    from app.custody.models import Person, Site
    from app.custody.sweep import sweep_night
    from app.db import db, make_database
    from tests import factories

    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp}/fig.db"
    d = make_database(url)
    d.connect()
    upgrade(d)
    d.close()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_PROFILE": "fast", "SECRET_KEY": "fig"})
    now = datetime.utcnow()
    with app.app_context():
        db.connect()
        factories.site()
        Site.update(created_at=now - timedelta(days=40)).execute()
        names = ["张伟", "李娜", "王芳", "刘洋"]
        people = [factories.person(name=n) for n in names]
        Person.update(valid_from=None, valid_until=None).execute()
        night = (now - timedelta(days=1)).date()
        cutoff = datetime.combine(night, datetime.min.time()) + timedelta(hours=10, minutes=30)
        vols = [factories.item(archive_no=f"J012-WS·2019-Y-{n:04d}", title="会议纪要") for n in range(12)]
        for k in range(1, 8):  # earlier nights for the chart
            for v in vols[:k % 4 + 1]:
                services.check_out(v.code, to=factories.loc("WS-01"), holder=people[k % 4], actor=people[0],
                                   now=cutoff - timedelta(days=k, hours=3))
            sweep_night(Site.get(), night - timedelta(days=k), now=cutoff - timedelta(days=k) + timedelta(minutes=30))
            for v in vols[:k % 4 + 1]:
                services.return_to_storage(v.code, to=factories.loc("KF-A-01"), actor=people[0],
                                           now=cutoff - timedelta(days=k) + timedelta(hours=14))
        for i, v in enumerate(vols[:7]):
            services.check_out(v.code, to=factories.loc(f"WS-0{1 + i % 2}"), holder=people[i % 3],
                               actor=people[i % 3], now=cutoff - timedelta(hours=5 - i % 4))
        services.return_to_storage(vols[0].code, to=factories.loc("KF-A-01"), actor=people[0],
                                   now=cutoff + timedelta(minutes=25))
        sweep_night(Site.get(), night, now=cutoff + timedelta(minutes=30))
        alerts.open_alert("door_alarm", severity="critical", location=factories.loc("DOOR-1"),
                          message="V00000009 的标签经过大门", dedupe_key="door:fig")
        alerts.open_alert("reader_offline", severity="warning", message="书架读写器 R-KF-02 15 分钟无心跳",
                          dedupe_key="reader:fig")
        accounts.create_user("supervisor", "figure-password-1", ["supervisor"], by=None)
        db.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  extra_http_headers={"Accept-Language": "zh-CN"})
        page = ctx.new_page()
        page.goto(f"{base}/login")
        page.fill('input[name="username"]', "supervisor")
        page.fill('input[name="password"]', "figure-password-1")
        with page.expect_navigation():
            page.press('input[name="password"]', "Enter")
        page.goto(f"{base}/alerts/")
        if page.inner_text("form.lang button").strip() == "中文":  # the figures show the Chinese UI
            with page.expect_navigation():
                page.click("form.lang button")
        page.wait_for_selector('.charts[data-ready="1"]')
        page.screenshot(path=str(target / "alerts-board-phone.png"), full_page=False)
        page.evaluate("window.scrollTo(0, document.querySelector('.holders').offsetTop - 60)")
        page.screenshot(path=str(target / "alerts-board-phone-list.png"), full_page=False)
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.goto(f"{base}/alerts/?kind=overnight&wall=1")
        page.wait_for_selector('.charts[data-ready="1"]')
        page.screenshot(path=str(target / "alerts-board-wall.png"))
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/alerts/report?night={night.isoformat()}")
        page.screenshot(path=str(target / "alerts-report-phone.png"))
        pdf = page.request.get(f"{base}/alerts/report.pdf?night={night.isoformat()}")
        (tmp / "report.pdf").write_bytes(pdf.body())
        browser.close()
    server.shutdown()
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(tmp / "report.pdf"),
                    str(target / "alerts-report-pdf")], check=True)
    print("figures written to", target)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/figures"))
