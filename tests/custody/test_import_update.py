"""Re-importing a catalogue with "update existing": registered rows update the catalogue fields (each change in
the admin log through catalogue.change_catalogue), new rows are added, custody state is never touched."""
import json

import pytest

from app.custody import services
from app.custody.audit import verify_chain
from app.custody.catalogue import change_catalogue
from app.custody.imports import run_import
from app.custody.models import AuditLog, Item
from tests import factories as f

HEADER = "编号,档号,题名,页数,类型,RFID标签,位置"


def write(tmp_path, rows, name="again.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def registered(site, tmp_path):
    """Three volumes from a first import; the second is checked out to a workstation since."""
    first = write(tmp_path, ["UPD00001,J5-1,会议纪要,10,,,KF-A-01", "UPD00002,J5-2,合同,20,,,KF-A-01",
                             "UPD00003,J5-3,总结,30,,,KF-A-01"], name="first.csv")
    assert run_import(first, "items").ok
    person = f.person("王强")
    services.check_out("UPD00002", to=f.loc("WS-01"), holder=person, actor=person)
    return person


def test_check_only_shows_what_will_be_added_updated_and_unchanged(registered, tmp_path):
    path = write(tmp_path, ["UPD00001,J5-1,会议纪要,10,,,KF-A-01",          # as registered
                            "UPD00002,J5-2,合同（修订）,22,,,KF-A-02",       # title, pages and home change
                            ",J5-3,总结,31,,,",                              # found by its archive number
                            "UPD00009,J5-9,新卷,5,,,KF-A-01"])               # new

    result = run_import(path, "items", existing="update", dry_run=True)

    assert result.ok, result.errors
    assert (result.added, result.updated, result.unchanged) == (1, 2, 1)
    assert result.changes == [
        [3, "UPD00002", {"title": ["合同", "合同（修订）"], "pages": [20, 22], "home": ["KF-A-01", "KF-A-02"]}],
        [4, "UPD00003", {"pages": [30, 31]}]]
    assert Item.get(Item.code == "UPD00002").title == "合同" and Item.select().count() == 3  # nothing changed


def test_update_changes_the_catalogue_never_custody_and_logs_each_change(registered, tmp_path):
    before = Item.get(Item.code == "UPD00002")
    path = write(tmp_path, ["UPD00001,J5-1,会议纪要,10,,,KF-A-01", "UPD00002,J5-2,合同（修订）,22,,,KF-A-02",
                            ",J5-3,总结,31,,,", "UPD00009,J5-9,新卷,5,,,KF-A-01"])

    result = run_import(path, "items", existing="update")

    assert result.ok and (result.imported, result.updated, result.unchanged) == (1, 2, 1)
    after = Item.get(Item.code == "UPD00002")
    assert (after.title, after.pages, after.home.code) == ("合同（修订）", 22, "KF-A-02")
    # still out at the workstation, with the same holder and the same last event
    assert (after.state, after.location_id, after.holder_id, after.last_event_id) == (
        "out", before.location_id, registered.id, before.last_event_id)
    assert Item.get(Item.code == "UPD00003").pages == 31 and Item.get(Item.code == "UPD00009").title == "新卷"
    entries = {e.target: json.loads(e.detail) for e in AuditLog.select().where(AuditLog.action == "item.catalogue")}
    assert entries["UPD00002"]["changes"] == {"title": ["合同", "合同（修订）"], "pages": [20, 22],
                                              "home": ["KF-A-01", "KF-A-02"]}
    assert entries["UPD00002"]["file"] == "again.csv" and entries["UPD00002"]["line"] == 3
    assert sorted(entries) == ["UPD00002", "UPD00003"]  # nothing logged for the unchanged row
    summary = json.loads(AuditLog.select().where(AuditLog.action == "items.import")
                         .order_by(AuditLog.id.desc()).get().detail)
    assert (summary["count"], summary["updated"], summary["unchanged"]) == (1, 2, 1)
    assert verify_chain("audit").ok


def test_an_archive_number_of_another_item_is_still_an_error_and_nothing_changes(registered, tmp_path):
    path = write(tmp_path, ["UPD00001,J5-2,会议纪要（改）,10,,,", "UPD00009,J5-9,新卷,5,,,"])

    result = run_import(path, "items", existing="update")

    assert not result.ok
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "Archive number J5-2 is already in the database (item UPD00002).")]
    assert Item.get(Item.code == "UPD00001").title == "会议纪要" and Item.select().count() == 3


def test_without_update_the_registered_rows_are_still_refused(registered, tmp_path):
    path = write(tmp_path, ["UPD00001,J5-1,会议纪要,10,,,"])
    result = run_import(path, "items")
    assert not result.ok and "is already in the database" in result.errors[0].message


def test_a_staff_list_cannot_be_updated(site, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("姓名,工牌号\n甲,B1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        run_import(path, "people", existing="update")


def test_change_catalogue_refuses_custody_fields_and_records_nothing_when_nothing_changes(site):
    item = f.item(title="甲")
    with pytest.raises(ValueError):
        change_catalogue(item, {"state": "out"})
    assert change_catalogue(item, {"title": "甲"}) == {}
    assert AuditLog.select().where(AuditLog.action == "item.catalogue").count() == 0
