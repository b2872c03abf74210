"""The media register's services on a real database: register, loans, counts, unsealing, repairs, the end."""
from datetime import timedelta

import pytest

from app.custody import audit, clock, media
from app.custody.errors import BadgeNotActiveError, ConflictError, ValidationError
from app.custody.media.models import MediaCountLine, MediaLoan, MediaRecord
from app.custody.models import Alert, Event, Item
from tests import factories


def _lend(usb, people, now=None, **kw):
    now = now or clock.now()
    args = {"borrower": people["borrower"].person, "reason": "拷贝扫描影像", "due_at": now + timedelta(hours=4),
            "approved_by": people["approver"], "actor": people["keeper"], "user": people["archivist"]}
    args.update(kw)
    return media.lend(usb.item, now=now, **args)


def test_register_creates_an_item_with_its_details_and_a_chained_event(database, people, usb):
    item = Item.get_by_id(usb.item_id)
    assert item.kind == "media" and item.code.startswith("M") and item.serial_no == "SN-USB-001"
    assert item.location.code == "KF-A-01" and item.state == "in_storage" and item.custodian_id == people["keeper"].id
    assert Event.get(Event.item == item.id).kind == "media_register"
    assert audit.verify_chain("event").ok


def test_register_refuses_a_second_entry_with_the_same_serial_and_a_missing_serial(database, people, usb):
    with pytest.raises(ConflictError):
        media.register(category="usb_drive", serial_no="SN-USB-001", user=people["officer"])
    with pytest.raises(ValidationError):
        media.register(category="usb_drive", serial_no="  ", user=people["officer"])
    assert MediaRecord.select().count() == 1


def test_equipment_carries_its_internal_disks(database, people):
    pc = media.register(category="pc", serial_no="PC-1", make="Lenovo", cabinet="JG")
    disk = media.register(category="internal_disk", serial_no="WD-77", capacity="1 TB", device=pc.item)
    assert pc.item.kind == "device" and disk.item.kind == "media" and disk.device_id == pc.item_id
    with pytest.raises(ValidationError):  # a USB drive is not inside a PC
        media.register(category="usb_drive", serial_no="U-9", device=pc.item)


def test_loan_refused_while_the_medium_is_out(database, people, usb):
    _lend(usb, people)
    other = factories.person()
    media.update_settings(borrower_roles=["supervisor"], borrower_badges=other.badge_code, count_every_days=30)
    with pytest.raises(media.OnLoanError) as err:
        _lend(usb, people, borrower=other)
    assert err.value.status == 409 and "项目负责人 李" in err.value.message
    assert MediaLoan.select().count() == 1


def test_loan_refused_to_a_person_not_permitted_or_not_active(database, people, usb):
    stranger = factories.person(name="外来人员")
    with pytest.raises(media.BorrowerNotPermittedError):
        _lend(usb, people, borrower=stranger)
    suspended = factories.person(badge_status="suspended")
    media.update_settings(borrower_roles=[], borrower_badges=suspended.badge_code, count_every_days=30)
    with pytest.raises(BadgeNotActiveError):
        _lend(usb, people, borrower=suspended)
    with pytest.raises(media.BorrowerNotPermittedError):  # supervisors no longer named
        _lend(usb, people)
    assert MediaLoan.select().count() == 0 and Item.get_by_id(usb.item_id).state == "in_storage"


def test_overdue_loan_alerts_once_and_the_return_resolves_it(database, people, usb):
    t0 = clock.now()
    loan = _lend(usb, people, now=t0)
    assert media.check_due(t0 + timedelta(hours=3))["medium_overdue"] == 0
    assert media.check_due(t0 + timedelta(hours=5))["medium_overdue"] == 1
    assert media.check_due(t0 + timedelta(hours=6))["medium_overdue"] == 0  # once per loan
    alert = Alert.get(Alert.kind == "medium_overdue")
    assert alert.status == "open" and alert.person_id == people["borrower"].person_id
    assert "保管员 王" in alert.data
    media.take_back(loan, condition="完好", action="wiped", actor=people["keeper"], now=t0 + timedelta(hours=7))
    assert Alert.get_by_id(alert.id).status == "resolved"


def test_return_needs_both_sides_to_confirm(database, people, usb):
    loan = _lend(usb, people)
    with pytest.raises(ValidationError):
        media.take_back(loan, condition="完好", action="lost", actor=people["keeper"])
    media.take_back(loan, condition="完好", action="verified", actor=people["keeper"], user=people["archivist"])
    loan = MediaLoan.get_by_id(loan.id)
    assert loan.status == "returned" and loan.keeper_confirmed_at and loan.borrower_confirmed_at is None
    with pytest.raises(Exception) as err:  # someone else cannot sign for the borrower
        media.confirm_return(loan, by=people["officer"])
    assert err.value.status == 403
    media.confirm_return(loan, by=people["borrower"])
    loan = MediaLoan.get_by_id(loan.id)
    assert loan.status == "closed"
    item = Item.get_by_id(usb.item_id)
    assert item.state == "in_storage" and item.holder_id is None and item.location.code == "KF-A-01"
    assert [e.kind for e in Event.select().where(Event.item == item.id).order_by(Event.id)] == [
        "media_register", "loan", "loan_return"]


def test_count_shows_each_kind_of_difference_and_needs_explanations(database, people, usb):
    present = media.register(category="optical_disc", serial_no="DVD-1", cabinet="KF-A-01")
    missing = media.register(category="memory_card", serial_no="SD-1", cabinet="KF-A-01")
    elsewhere = media.register(category="usb_drive", serial_no="U-2", cabinet="KF-A-02")
    _lend(usb, people)
    count = media.start_count("KF-A-01", keeper=people["keeper"])
    assert count.registered == 3
    media.count_scan(count, present.item.code)
    media.count_scan(count, f"]C0{elsewhere.item.code.lower()}")
    diffs = {item.code: result for item, result, _auto in media.count_differences(count)}
    assert diffs == {usb.item.code: "on_loan", missing.item.code: "missing", elsewhere.item.code: "unexpected"}
    with pytest.raises(media.CountNotExplainedError) as err:
        media.close_count(count, explanations={missing.item.code: "送修途中"})
    assert elsewhere.item.code in err.value.message
    closed = media.close_count(count, explanations={missing.item.code: "借出未登记，已追回",
                                                       elsewhere.item.code: "放错柜，已归位"})
    assert (closed.status, closed.registered, closed.present, closed.on_loan, closed.missing, closed.unexpected) == (
        "closed", 3, 1, 1, 1, 1)
    lines = {line.item.code: line for line in MediaCountLine.select().where(MediaCountLine.count == count.id)}
    assert lines[missing.item.code].explanation == "借出未登记，已追回"
    assert "项目负责人 李" in lines[usb.item.code].explanation
    with pytest.raises(ConflictError):
        media.count_scan(count, present.item.code)


def test_count_reminder_when_a_cabinet_was_not_counted_for_n_days(database, people, usb):
    t0 = clock.now()
    media.update_settings(borrower_roles=["supervisor"], borrower_badges="", count_every_days=7)
    assert media.check_due(t0 + timedelta(days=6))["media_count_due"] == 0
    assert media.check_due(t0 + timedelta(days=8))["media_count_due"] == 1
    assert media.check_due(t0 + timedelta(days=9))["media_count_due"] == 0
    count = media.start_count("KF-A-01", keeper=people["keeper"], now=t0 + timedelta(days=9))
    media.count_scan(count, usb.item.code, now=t0 + timedelta(days=9))
    media.close_count(count, explanations={}, now=t0 + timedelta(days=9))
    assert Alert.get(Alert.kind == "media_count_due").status == "resolved"
    assert media.check_due(t0 + timedelta(days=12))["media_count_due"] == 0


def test_unsealing_open_past_its_end_alerts_and_resealing_resolves(database, people):
    t0 = clock.now()
    pc = media.register(category="pc", serial_no="PC-7", cabinet="WS-01")
    media.register_seal(pc.item, port="USB-1", number="FT-0001", actor=people["keeper"])
    row = media.request_unsealing(pc.item, port="USB-1", reason="备份", planned_start=t0,
                                     planned_end=t0 + timedelta(hours=1), requested_by=people["borrower"].person)
    with pytest.raises(Exception) as err:  # the service organisation does not approve its own request
        media.approve_unsealing(row, approver=people["borrower"].person)
    assert err.value.status == 403
    with pytest.raises(ConflictError):
        media.start_unsealing(row, supervisor=people["keeper"])
    media.approve_unsealing(row, approver=people["approver"])
    media.start_unsealing(row, supervisor=people["keeper"], now=t0 + timedelta(minutes=5))
    assert media.check_due(t0 + timedelta(minutes=50))["unsealing_overdue"] == 0
    assert media.check_due(t0 + timedelta(hours=2))["unsealing_overdue"] == 1
    alert = Alert.get(Alert.kind == "unsealing_overdue")
    assert alert.severity == "critical" and alert.status == "open"
    done = media.end_unsealing(row, new_seal="FT-0002", actor=people["keeper"], now=t0 + timedelta(hours=2))
    assert done.old_seal == "FT-0001" and done.new_seal == "FT-0002" and done.status == "closed"
    assert Alert.get_by_id(alert.id).status == "resolved"
    assert [s.number for s in pc.item.seals.where(pc.item.seals.model.removed_at.is_null())] == ["FT-0002"]


def test_repair_without_written_approval_is_refused(database, people):
    scanner = media.register(category="scanner", serial_no="SC-1", cabinet="WS-02")
    for missing in ({"approval_ref": ""}, {"approved_by": None}, {"supervisor": None},
                    {"supervisor": people["borrower"].person}):
        args = {"approval_ref": "维修审批 2026-01", "approved_by": people["approver"], "supervisor": people["keeper"]}
        args.update(missing)
        with pytest.raises(media.RepairNotApprovedError):
            media.send_for_repair(scanner.item, **args)
    assert MediaRecord.get_by_id(scanner.id).status == "registered"
    repair = media.send_for_repair(scanner.item, approval_ref="维修审批 2026-01", approved_by=people["approver"],
                                      supervisor=people["keeper"], fault="卡纸")
    assert MediaRecord.get_by_id(scanner.id).status == "under_repair"
    media.repair_back(repair, check_note="检查无数据残留", actor=people["keeper"])
    assert MediaRecord.get_by_id(scanner.id).status == "registered"
    assert Item.get_by_id(scanner.item_id).location.code == "WS-02"


def test_disposal_list_complete_only_when_every_medium_has_an_end(database, people, usb):
    pc = media.register(category="pc", serial_no="PC-9")
    disk = media.register(category="internal_disk", serial_no="HD-9", device=pc.item)
    _rows, open_ = media.reconciliation()
    assert open_ == 3
    with pytest.raises(ValidationError):  # destroyed needs method, witness and certificate
        media.dispose(usb.item, kind="destroyed", done_by=people["keeper"], method="粉碎")
    media.dispose([usb.item], kind="destroyed", done_by=people["keeper"], method="粉碎",
                     witness=people["approver"], certificate_no="XH-2026-001")
    media.dispose(disk.item, kind="handed_over", done_by=people["keeper"], receiver=people["approver"])
    _rows, open_ = media.reconciliation()
    assert open_ == 1  # the PC has not been checked for residual information
    media.check_residual(pc.item, result="clean", done_by=people["keeper"])
    rows, open_ = media.reconciliation()
    assert open_ == 0 and {media.end_state(r, {r.item_id: e}) for r, e in rows} == {
        "destroyed", "handed_over", "checked"}
    assert Item.get_by_id(usb.item_id).state == "retired"
    with pytest.raises(media.EndedError):
        _lend(usb, people)


def test_nothing_can_be_deleted_from_the_register(database, people, usb):
    from peewee import DatabaseError

    _lend(usb, people)
    for model in (MediaRecord, MediaLoan):
        with pytest.raises(DatabaseError), database.atomic():
            model.delete().execute()
    with pytest.raises(DatabaseError), database.atomic():  # nor the item under it
        Item.delete().where(Item.id == usb.item_id).execute()
    assert MediaRecord.select().count() == 1 and MediaLoan.select().count() == 1


def test_a_shelf_reader_on_the_cabinet_counts_what_it_reads(app, client, database, people, usb):
    from app.custody import readers
    from app.custody.models import Tag

    Tag.create(tag="E28011606000020000000777", item=usb.item)
    count = media.start_count("KF-A-01", keeper=people["keeper"])
    reader, secret = readers.register_reader("shelf-A01", location=factories.loc("KF-A-01"), mode="shelf",
                                           protocol="rdm6300")
    at = clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    post = lambda seq: client.post("/api/v1/reader-events", headers={"Authorization": f"Bearer {secret}"}, json={  # noqa: E731
        "events": [{"seq": seq, "kind": "read", "tag": "E28011606000020000000777", "scheme": "epc", "read_at": at}]})
    assert post(1).status_code == 200
    assert media.count_from_readers(count) == 0  # a reader the security officer has not approved counts nothing
    factories.approved(reader)
    response = post(2)
    assert response.status_code == 200, response.get_json()
    assert media.count_from_readers(count) == 1
    assert media.count_differences(count) == []
    assert media.count_from_readers(count) == 0  # each medium once


def test_the_scheduler_job_opens_the_overdue_alert_when_the_clock_passes_the_due_time(database, people, usb):
    from app.custody import scheduler
    from tests.clock import at

    t0 = clock.now()
    _lend(usb, people, now=t0)  # due at t0 + 4 h
    media.register_jobs()  # as on import (another test may have emptied the scheduler's list)
    job = next(j for j in scheduler.default_jobs() if j.name == "media-checks")
    runner = scheduler.Scheduler([job])
    with at(t0 + timedelta(hours=3)):
        assert runner.tick() == [("media-checks", None)]
    job.next_at = 0
    with at(t0 + timedelta(hours=4, minutes=1)):
        assert runner.tick() == [("media-checks", "1 medium_overdue")]
    assert Alert.get(Alert.kind == "medium_overdue").opened_at >= t0 + timedelta(hours=4)


def test_racing_loans_of_one_medium_leave_one_loan(database, people, usb):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from app.db import db

    borrowers = [factories.person(f"借用人{n}") for n in range(6)]
    media.update_settings(borrower_roles=[], borrower_badges=",".join(b.badge_code for b in borrowers),
                             count_every_days=30)
    barrier = threading.Barrier(len(borrowers))

    def lend_as(borrower):
        db.connect(reuse_if_open=True)
        try:
            barrier.wait(timeout=60)
            return _lend(usb, people, borrower=borrower)
        except media.OnLoanError as err:
            return err
        finally:
            db.close()

    with ThreadPoolExecutor(len(borrowers)) as pool:
        outcomes = [f.result(timeout=60) for f in [pool.submit(lend_as, b) for b in borrowers]]
    assert sum(isinstance(o, MediaLoan) for o in outcomes) == 1
    assert sum(isinstance(o, media.OnLoanError) for o in outcomes) == len(borrowers) - 1
    assert MediaLoan.select().count() == 1 and audit.verify_chain("event").ok


def test_a_registered_medium_leaves_only_on_a_loan(database, people, usb):
    from app.custody import services as custody

    unregistered = factories.item(kind="media")
    custody.check_out(unregistered.code, to=factories.loc("WS-01"), holder=people["keeper"], actor=None)
    with pytest.raises(media.LoanRequiredError) as err:
        custody.check_out(usb.item.code, to=factories.loc("WS-01"), holder=people["keeper"], actor=None)
    assert err.value.status == 409 and Item.get_by_id(usb.item_id).state == "in_storage"
    _lend(usb, people)
    with pytest.raises(media.LoanRequiredError):
        custody.hand_over(usb.item.code, to_person=people["keeper"], actor=None)
    assert Item.get_by_id(usb.item_id).holder_id == people["borrower"].person_id
