"""Re-importing a catalogue with "update their catalogue entries" at 360×740, in Chinese and in English: the
choice, the check-only preview (added / updated old → new / unchanged), then the result's counts."""
import pytest
from playwright.sync_api import expect

from app.custody.imports import run_import
from app.custody.models import AuditLog, Item
from tests import factories as f
from tests.browser.conftest import SHOTS, log_in

pytestmark = pytest.mark.browser
HEADER = "编号,档号,题名,页数,类型,RFID标签,位置\n"
WORDS = {
    "zh-CN": {"choice": "更新其目录信息", "preview": "将新增 1 行，更新 1 行，1 行无变化。", "now": "立即导入此文件",
              "done": "已新增 1 行，已更新 1 行，1 行无变化。"},
    "en-US": {"choice": "Update their catalogue entries", "preview": "Will add 1, update 1; 1 unchanged.",
              "now": "Import this file now", "done": "Added 1, updated 1; 1 unchanged."},
}


@pytest.mark.parametrize("locale", list(WORDS))
def test_update_existing_choice_preview_and_result_on_a_phone(browse, database, live_server, tmp_path, locale):
    words = WORDS[locale]
    f.site()
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "BRW00001,J6-1,会议纪要,10,,,KF-A-01\nBRW00002,J6-2,合同,20,,,KF-A-01\n",
                     encoding="utf-8")
    assert run_import(first, "items").ok
    again = tmp_path / "catalogue-again.csv"
    again.write_text(HEADER + "BRW00001,J6-1,会议纪要,10,,,KF-A-01\nBRW00002,J6-2,合同（修订）,20,,,KF-A-02\n"
                     "BRW00003,J6-3,新卷,5,,,KF-A-01\n", encoding="utf-8")
    archivist = f.user("archivist")
    page, _ = browse(phone=True, locale=locale)
    log_in(page, archivist.username)
    page.goto("/import/items")

    choice = page.get_by_label(words["choice"])
    expect(choice).to_be_visible()
    box = choice.bounding_box()
    assert box["width"] >= 18 and box["height"] >= 18  # a radio a thumb can hit
    page.set_input_files("input[type=file]", str(again))
    choice.check()
    page.locator("input[name=dry_run]").check()
    page.locator("form.import-form button[type=submit]").tap()

    expect(page.locator(".import-counts")).to_have_text(words["preview"], timeout=30000)  # a loaded CI machine
    page.wait_for_load_state("load")  # (the job page reloads itself when the check ends)
    changes = page.locator(".import-changes tbody tr")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("BRW00002")
    expect(changes.first).to_contain_text("合同 → 合同（修订）")
    expect(changes.first).to_contain_text("KF-A-01 → KF-A-02")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / f"import-update-preview-{locale[:2]}.png"), full_page=True)
    assert Item.get(Item.code == "BRW00002").title == "合同"  # a check changes nothing

    page.get_by_role("button", name=words["now"]).tap()
    expect(page.locator(".import-counts")).to_have_text(words["done"], timeout=30000)
    # the job page reloads itself when the job ends: measure once the reloaded page has its stylesheet (under
    # load the text was there before app.css, and the unstyled table measured 645 px)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    database.connect(reuse_if_open=True)
    assert Item.get(Item.code == "BRW00002").title == "合同（修订）" and Item.select().count() == 3
    assert AuditLog.select().where(AuditLog.action == "item.catalogue").count() == 1
