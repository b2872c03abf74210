"""A large import never stalls the site: its rows are loaded in short chunks under a pending load and switched in
by one short transaction; all or nothing whatever happens between (imports/staging.py)."""
import json
import threading
from datetime import timedelta

import pytest

from app.custody import services
from app.custody.errors import ItemNotFound
from app.custody.imports import BATCH, run_import, staging
from app.custody.lookup import resolve
from app.custody.models import AuditLog, Event, ImportJob, ImportLoad, Item, Person, Tag
from app.custody.search import find_items
from app.db import db
from tests import factories as f
from tests.clock import TEST_NOW

HEADER = "编号,档号,题名,页数,类型,RFID标签,位置"
TIMEOUT = 20


def catalogue(tmp_path, n, *, first=1, name="big.csv"):
    """n volumes IMP…first.. with archive numbers J9-…, a tag on every third, in three chunks or more."""
    lines = [HEADER] + [f"IMP{i:06d},J9-{i:06d},题名{i},{i % 400},卷宗,{f'E2801160600002{i:010X}' if i % 3 == 0 else ''},"
                        f"KF-A-01" for i in range(first, first + n)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Pause:
    """A progress hook that stops the import after its first chunk until told to go on (runs in the import's
    thread, between two chunk transactions)."""

    def __init__(self, after=BATCH, action=None):
        self.after, self.action = after, action
        self.reached, self.go_on = threading.Event(), threading.Event()
        self.fired = False

    def __call__(self, phase, done, total):
        if phase == "import" and done >= self.after and not self.fired:
            self.fired = True
            if self.action is not None:
                self.action()
                return
            self.reached.set()
            assert self.go_on.wait(TIMEOUT)


def in_thread(target):
    """Run target on its own thread with its own connection; returns (thread, box with its result)."""
    box = {}

    def run():
        with db.connection_context():
            try:
                box["result"] = target()
            except BaseException as exc:  # shown by the test that reads the box
                box["result"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def visible_items():
    return Item.select().where(Item.archive_no.startswith("J9-")).count()


def test_a_scan_is_recorded_while_an_import_is_loading_and_its_rows_stay_invisible_until_the_switch(site, tmp_path):
    vol, ws, person = f.item(), f.loc("WS-01"), f.person("王强")
    n = BATCH * 3 + 10
    path = catalogue(tmp_path, n)
    pause = Pause()
    importer, box = in_thread(lambda: run_import(path, "items", progress=pause))
    assert pause.reached.wait(TIMEOUT), box

    # mid-load: the first chunk is in the database, and the site's write lock is free
    scanned, scan_box = in_thread(lambda: services.check_out(vol.code, to=ws, holder=person, actor=person))
    scanned.join(5)
    assert not scanned.is_alive(), "the scan waited for the import"
    assert isinstance(scan_box["result"], Event) and Item.get_by_id(vol.id).state == "out"
    # … and nobody sees the import's rows: not by list, count, code, tag, nor as a badge
    assert visible_items() == 0 and staging.pending_rows(Item) == BATCH
    assert resolve("IMP000001").kind == "unknown" and resolve(f"E2801160600002{3:010X}").kind == "unknown"
    assert find_items("J9-000001") == []
    with pytest.raises(ItemNotFound):
        services.check_out("IMP000001", to=ws, holder=person, actor=person)

    pause.go_on.set()
    importer.join(TIMEOUT)
    result = box["result"]
    assert result.ok and result.imported == n
    assert visible_items() == n and staging.pending_rows(Item) == 0
    assert resolve(f"E2801160600002{3:010X}").item.code == "IMP000003"
    assert Tag.select().where(Tag.item.is_null(False)).count() == len(range(3, n + 1, 3))
    assert AuditLog.select().where(AuditLog.action == "items.import").count() == 1


def test_a_failure_mid_load_leaves_nothing_and_cleans_up(site, tmp_path):
    path = catalogue(tmp_path, BATCH * 2 + 5)

    def broken():
        raise OSError("disk gone")

    with pytest.raises(OSError):
        run_import(path, "items", progress=Pause(action=broken))

    assert visible_items() == 0
    assert staging.pending_rows(Item) == 0 and staging.pending_rows(Tag) == 0  # its chunk was deleted
    assert ImportLoad.select().count() == 0
    assert AuditLog.select().where(AuditLog.action == "items.import").count() == 0
    # and the same file imports cleanly afterwards
    assert run_import(path, "items").ok and visible_items() == BATCH * 2 + 5


class Killed(BaseException):
    """What a killed process looks like from inside: nothing after it runs (no cleanup)."""


def test_a_killed_import_leaves_nothing_visible_and_the_next_import_cleans_up(site, tmp_path):
    path = catalogue(tmp_path, BATCH * 2 + 5)

    def kill():
        raise Killed()

    with pytest.raises(Killed):
        run_import(path, "items", progress=Pause(action=kill), now=TEST_NOW)
    staging._RUNNING.clear()  # the process that ran it is gone

    assert visible_items() == 0 and staging.pending_rows(Item) == BATCH
    assert Item.select().count() == 0 and resolve("IMP000001").kind == "unknown"
    # its codes do not count as registered: a check of the same file finds nothing wrong
    assert run_import(path, "items", dry_run=True).ok
    # right after, the load may still be running somewhere: a second import waits its turn
    waiting = run_import(path, "items", now=TEST_NOW + timedelta(seconds=30))
    assert not waiting.ok and "Another import is being loaded (big.csv)" in waiting.errors[0].message
    # once it has been silent for minutes it is dead: the next import deletes its rows, then loads
    later = run_import(path, "items", now=TEST_NOW + timedelta(minutes=10))
    assert later.ok and visible_items() == BATCH * 2 + 5 and staging.pending_rows(Item) == 0
    assert ImportLoad.select().where(ImportLoad.live_at.is_null()).count() == 0


def test_a_code_registered_while_loading_refuses_the_whole_import(site, tmp_path):
    path = catalogue(tmp_path, BATCH * 3)
    taken = f"IMP{BATCH * 2 + 7:06d}"  # in the third chunk, still to come when the first is written

    def register():  # someone registers that code meanwhile (a medium, a device, a hand-made entry)
        Item.create(code=taken, kind="volume", archive_no="OTHER-1")

    result = run_import(path, "items", progress=Pause(action=register))

    assert not result.ok and result.imported == 0
    assert [e.message for e in result.errors] == [
        f"Code {taken} was registered by someone else while the file was being imported. Nothing was imported: "
        "check the file again."]
    assert [i.code for i in Item.select()] == [taken]
    assert staging.pending_rows(Item) == 0 and staging.pending_rows(Tag) == 0
    assert AuditLog.select().where(AuditLog.action == "items.import").count() == 0


def test_an_archive_number_registered_while_loading_is_found_at_the_switch(site, tmp_path):
    path = catalogue(tmp_path, BATCH * 2)

    def register():  # no unique index on archive numbers: the switch-in looks for this itself
        Item.create(code="V99999999", kind="volume", archive_no="J9-000005")

    result = run_import(path, "items", progress=Pause(action=register))

    assert not result.ok
    assert [e.message for e in result.errors] == [
        "Archive number J9-000005 was registered by someone else (item V99999999) while the file was being "
        "imported. Nothing was imported: check the file again."]
    assert [i.code for i in Item.select()] == ["V99999999"] and staging.pending_rows(Item) == 0


def test_an_archive_number_registered_among_many_others_while_loading_is_still_found(site, tmp_path):
    path = catalogue(tmp_path, BATCH * 2)
    busy = staging.CLASH_BATCH + 10  # a busy site: more registrations meanwhile than one lookup takes

    def register():  # many volumes with numbers of their own, then one with a number the file has too
        for n in range(busy):
            Item.create(code=f"V9{n:07d}", kind="volume", archive_no=f"OWN-{n}")
        Item.create(code="V99999999", kind="volume", archive_no=f"J9-{BATCH + 3:06d}")

    result = run_import(path, "items", progress=Pause(action=register))

    assert not result.ok and result.imported == 0
    assert [e.message for e in result.errors] == [
        f"Archive number J9-{BATCH + 3:06d} was registered by someone else (item V99999999) while the file was "
        "being imported. Nothing was imported: check the file again."]
    assert visible_items() == 1 and Item.select().count() == busy + 1 and staging.pending_rows(Item) == 0


def test_a_staff_list_loads_the_same_way_and_is_invisible_until_the_switch(site, tmp_path):
    n = BATCH + 20
    path = tmp_path / "staff.csv"
    path.write_text("姓名,单位,工牌号\n" + "".join(f"员工{i},数字化服务公司,B7{i:07d}\n" for i in range(n)),
                    encoding="utf-8")
    seen = {}

    def look():
        seen["people"] = Person.select().where(Person.badge_code.startswith("B7")).count()
        seen["badge"] = resolve("B70000001").kind

    result = run_import(path, "people", progress=Pause(action=look))
    assert result.ok and seen == {"people": 0, "badge": "unknown"}
    assert Person.select().where(Person.badge_code.startswith("B7")).count() == n


def test_an_import_job_turns_done_in_the_switch_and_lists_its_own_rows(site, tmp_path):
    from app.custody.imports import imported_items, jobs

    path = catalogue(tmp_path, 30)
    job = jobs.create_job("items", "big.csv")
    jobs.process_job(job.id, path, remove_upload=False)
    job = ImportJob.get_by_id(job.id)
    summary = json.loads(job.summary)
    assert job.status == "done" and job.imported == 30
    assert ImportLoad.get_by_id(summary["load_id"]).job_id == job.id
    assert sorted(i.code for i in imported_items(summary)) == [f"IMP{i:06d}" for i in range(1, 31)]


# ---------------------------------------------------------------- codes a loading import holds


def test_a_medium_registered_while_a_catalogue_loads_takes_a_code_above_the_files(site, tmp_path):
    from app.custody import media

    n = BATCH * 2  # the file's own codes M00000001…; the second chunk's are still to come after the first
    lines = [HEADER] + [f"M{i:08d},,U盘{i},,介质,,KF-A-01" for i in range(1, n + 1)]
    lines += [f",,光盘{i},,介质,,KF-A-01" for i in range(10)]  # codes the import generates: M…501 to M…510
    path = tmp_path / "media.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    box = {}

    def register():  # a clerk registers a USB drive at the media register meanwhile
        box["code"] = media.register(category="usb_drive", serial_no="LOAD-1", cabinet="KF-A-01").item.code

    result = run_import(path, "items", progress=Pause(action=register))

    assert result.ok and result.imported == n + 10 and result.generated == 10
    assert box["code"] == f"M{n + 11:08d}"
    assert Item.select().where(Item.kind == "media").count() == n + 11
    assert media.register(category="usb_drive", serial_no="LOAD-2").item.code == f"M{n + 12:08d}"


def test_a_device_with_a_code_a_loading_import_holds_is_refused_in_words(site, tmp_path):
    from app.custody.errors import ValidationError
    from app.custody.flow.devices import register_device

    path = catalogue(tmp_path, BATCH * 2)
    box = {}

    def register():  # IMP000005 is in the first chunk: written, not yet visible
        try:
            register_device("扫描仪", code="IMP000005")
        except ValidationError as exc:
            box["message"] = exc.message
        box["generated"] = register_device("扫描仪 2").item.code

    result = run_import(path, "items", progress=Pause(action=register))

    assert box["message"] == "The code IMP000005 is already in use."
    assert result.ok and Item.get(Item.code == "IMP000005").kind == "volume"
    assert box["generated"] == "D00000001" and Item.select().where(Item.kind == "device").count() == 1


def test_a_lost_badge_while_a_staff_list_loads_gets_a_code_above_the_lists(site, tmp_path):
    from app.custody import people

    keeper = f.person()
    k = max(int(p.badge_code[1:]) for p in Person.select())  # the highest badge number before the list
    n = BATCH + 20
    path = tmp_path / "staff.csv"
    path.write_text("姓名,单位\n" + "".join(f"员工{i},数字化服务公司\n" for i in range(n)), encoding="utf-8")
    box = {}

    def lose():  # the list's badges B(k+1)… are generated; the first chunk's are written, the rest to come
        box["code"] = people.report_lost(keeper, reason="丢失").badge_code

    result = run_import(path, "people", progress=Pause(action=lose))

    assert result.ok and result.generated == n
    assert box["code"] == f"B{k + n + 1:08d}"
    codes = [p.badge_code for p in Person.select()]
    assert len(codes) == len(set(codes)) and f"B{k + n:08d}" in codes


def test_a_new_badge_tag_a_loading_import_holds_is_refused_in_words(site, tmp_path):
    from app.custody import people
    from app.custody.errors import ValidationError

    keeper = f.person()
    path = catalogue(tmp_path, BATCH * 2)  # every third volume has a tag; IMP000003's is in the first chunk
    held = f"E2801160600002{3:010X}"
    box = {}

    def lose():
        try:
            people.report_lost(keeper, reason="丢失", new_tag=held)
        except ValidationError as exc:
            box["message"] = exc.message

    result = run_import(path, "items", progress=Pause(action=lose))

    assert box["message"] == f"The tag {held} is already bound."
    assert result.ok and Person.get_by_id(keeper.id).badge_code == keeper.badge_code
    assert Tag.get(Tag.tag == held).item.code == "IMP000003"
