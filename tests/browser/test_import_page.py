"""The catalogue upload page in a real browser: the job page polls until done, then shows the outcome."""
import pytest

from app.custody.models import Item, Location
from tests import factories as f
from tests.browser.conftest import off_origin

pytestmark = pytest.mark.browser
HEADER = "编号,档号,题名,页数,类型,RFID标签,位置"


def _login(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("main button[type=submit]")


def test_large_catalogue_upload_shows_progress_then_summary(browse, database, live_server, app, tmp_path):
    app.config["IMPORT_INLINE_BYTES"] = 0  # every upload runs on the background thread
    f.site()
    archivist = f.user("archivist")
    n = 20000
    path = tmp_path / "目录.csv"
    path.write_text(HEADER + "\n" + "".join(f",J1-{i:06d},题名{i},{i % 300},卷宗,,KF-A-01\n" for i in range(n)),
                    encoding="utf-8-sig")
    page, recorded = browse(phone=True)
    _login(page, archivist.username)
    page.goto("/import/items")
    assert page.locator("h1").inner_text() == "导入案卷目录"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_input_files("input[type=file]", str(path))
    page.click("form.import-form button[type=submit]")

    page.wait_for_selector(".import-summary", timeout=120000)
    assert f"已导入 {n} 件" in page.locator(".import-summary h2").inner_text()
    assert page.locator("table tbody tr").count() == 100  # first page of the imported items
    assert page.locator("table tbody tr a").first.get_attribute("href") == "/i/V00000001"
    database.connect(reuse_if_open=True)
    assert Item.select().count() == n
    if any("/status" in u for u in recorded.urls):  # the job was still running when its page opened
        assert page.locator("#import-progress").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert off_origin(recorded.urls, live_server) == []


def test_rows_with_errors_listed_by_line(browse, database, live_server, app, tmp_path):
    app.config["IMPORT_INLINE_BYTES"] = 0
    site = f.site()
    Location.create(site=site, code="KF-B-01", name="B-01", kind="shelf", parent=f.loc("KF"))
    archivist = f.user("archivist")
    path = tmp_path / "目录.csv"
    path.write_text("馆藏目录\n" + HEADER + "\n,J1,甲,1,,,KF-A-01\n,J2,乙,十,,,KF-C-09\n", encoding="gb18030")
    page, _ = browse(phone=False, locale="en-US")
    _login(page, archivist.username)
    page.goto("/import/items")
    page.set_input_files("input[type=file]", str(path))
    page.click("form.import-form button[type=submit]")

    page.wait_for_selector(".import-errors", timeout=60000)
    rows = page.locator("tr.import-error").all_inner_texts()
    assert [r.split("\t") for r in rows] == [["4", "Pages must be a whole number (found 十)."],
                                            ["4", "Unknown location code KF-C-09."]]
    database.connect(reuse_if_open=True)
    assert Item.select().count() == 0
