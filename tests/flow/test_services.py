"""Step definitions, devices and step scans through the domain services, on SQLite and PostgreSQL."""
import json

import pytest

from app.custody import audit
from app.custody import services as custody
from app.custody.errors import ItemNotFound, LocationNotFound, QuarantinedError, ValidationError
from app.custody.flow import codes, devices, rules, services
from app.custody.flow.errors import (
    CountNeededError,
    DeviceElsewhereError,
    DeviceNeededError,
    DeviceNotFound,
    DeviceNotInServiceError,
    NotYourOrganisationError,
    SkipNotAllowedError,
    StepOutOfOrderError,
    StepStateError,
)
from app.custody.flow.models import Device, FlowPosition, ProcessStep, StepDef
from app.custody.models import AuditLog, Event
from tests import factories

from .helpers import scanner, staff, walk


@pytest.fixture
def op(site):
    return staff("operator")


@pytest.fixture
def volume(site):
    return factories.item()


@pytest.mark.db
def test_defaults_follow_da_t_31_in_both_languages(site):
    steps = services.definitions()
    assert [s.name_zh for s in steps] == ["档案出库", "数字化前处理", "目录数据库建立", "档案扫描", "图像处理",
                                          "数据质检", "数据挂接", "成果验收", "装订还原", "档案入库"]
    assert steps[0].name_en == "Out of storage"
    assert [s.code for s in steps if s.needs_device] == ["scan", "image"]
    assert services.get_step("qc").rework_to == "scan"


@pytest.mark.db
def test_happy_path_through_every_default_step(op, volume):
    device = scanner()
    results = walk(volume.code, op, device)
    rows = list(ProcessStep.select().where(ProcessStep.item == volume.id).order_by(ProcessStep.id))
    assert [r.step for r in rows] == [d.code for d in services.definitions()]
    assert all(r.outcome in ("done", "passed") for r in rows)
    scan_row = next(r for r in rows if r.step == "scan")
    assert scan_row.device_id == device.item_id and scan_row.quantity == 100
    assert scan_row.operator_id == op.person_id and scan_row.finished_at is not None
    # every step change is a custody event in the hash chain
    events = Event.select().where((Event.item == volume.id) & (Event.kind == "step"))
    assert events.count() == len(results)
    assert json.loads(events.order_by(Event.id).first().data)["step"] == "out"
    assert audit.verify_chain("event").ok
    pos = FlowPosition.get(FlowPosition.item == volume.id)
    assert (pos.step, pos.outcome, pos.reworks) == ("in", "done", 0)


@pytest.mark.db
def test_idempotent_on_client_id(op, volume):
    first = services.record_step(volume.code, "out", "start", actor=op.person, user=op, client_id="c-1")
    again = services.record_step(volume.code, "out", "start", actor=op.person, user=op, client_id="c-1")
    assert again.replayed and again.row.id == first.row.id
    assert ProcessStep.select().count() == 1


@pytest.mark.db
def test_out_of_order_and_state_refusals(op, volume):
    with pytest.raises(StepOutOfOrderError):
        services.record_step(volume.code, "prep", "start", actor=op.person, user=op)
    with pytest.raises(StepStateError):
        services.record_step(volume.code, "out", "finish", actor=op.person, user=op)
    services.record_step(volume.code, "out", "start", actor=op.person, user=op)
    with pytest.raises(StepStateError):
        services.record_step(volume.code, "out", "start", actor=op.person, user=op)
    services.record_step(volume.code, "out", "finish", actor=op.person, user=op)
    with pytest.raises(StepStateError):
        services.record_step(volume.code, "out", "start", actor=op.person, user=op)
    services.record_step(volume.code, "prep", "start", actor=op.person, user=op)
    with pytest.raises(CountNeededError):
        services.record_step(volume.code, "prep", "finish", actor=op.person, user=op)
    with pytest.raises(ValidationError):
        services.record_step(volume.code, "prep", "jump", actor=op.person, user=op)
    with pytest.raises(ItemNotFound):
        services.record_step("V99999999", "prep", "start", actor=op.person, user=op)
    assert ProcessStep.select().count() == 2  # nothing half-written


@pytest.mark.db
def test_device_refusals(op, volume, site):
    walk(volume.code, op, None, upto="catalogue")
    services.record_step(volume.code, "catalogue", "skip", actor=op.person, user=op, reason="catalogue exists")
    with pytest.raises(DeviceNeededError):
        services.record_step(volume.code, "scan", "start", actor=op.person, user=op)
    broken = scanner(status="under_repair")
    with pytest.raises(DeviceNotInServiceError):
        services.record_step(volume.code, "scan", "start", device=broken.item.code, actor=op.person, user=op)
    elsewhere = scanner(at="WS-02")
    with pytest.raises(DeviceElsewhereError):
        services.record_step(volume.code, "scan", "start", device=elsewhere.item.code, actor=op.person, user=op,
                             location=factories.loc("WS-01"))
    here = scanner(at="WS-01")
    ok = services.record_step(volume.code, "scan", "start", device=here.item.code, actor=op.person, user=op,
                              location=factories.loc("WS-01"))
    assert ok.row.device_id == here.item_id


@pytest.mark.db
def test_quarantined_volume_and_other_organisation_are_refused(op, volume, site):
    officer = staff("security_officer")
    custody.quarantine(volume.code, actor=officer.person, reason="密级标志")
    with pytest.raises(QuarantinedError):
        services.record_step(volume.code, "out", "start", actor=op.person, user=op)
    other = factories.item()
    custody.check_out(other.code, to=factories.loc("WS-01"), holder=op.person, actor=op.person)
    stranger = staff("operator", org="另一家公司")
    with pytest.raises(NotYourOrganisationError):
        services.record_step(other.code, "out", "start", actor=stranger.person, user=stranger)
    colleague = staff("operator")
    assert services.record_step(other.code, "out", "start", actor=colleague.person, user=colleague).row


@pytest.mark.db
def test_skip_with_and_without_permission(op, volume):
    walk(volume.code, op, None, upto="catalogue")
    with pytest.raises(ValidationError):  # a reason is needed
        services.record_step(volume.code, "catalogue", "skip", actor=op.person, user=op)
    services.record_step(volume.code, "catalogue", "skip", actor=op.person, user=op, reason="已有目录")
    device = scanner()
    services.record_step(volume.code, "scan", "start", device=device.item.code, actor=op.person, user=op)
    services.record_step(volume.code, "scan", "finish", count=100, actor=op.person, user=op)
    with pytest.raises(SkipNotAllowedError):
        services.record_step(volume.code, "image", "skip", actor=op.person, user=op, reason="no need")
    boss = staff("supervisor")
    row = services.record_step(volume.code, "image", "skip", actor=boss.person, user=boss, reason="彩色原件无需处理").row
    assert row.outcome == "skipped" and row.allowed_by_id == boss.person_id and row.note == "彩色原件无需处理"
    assert services.record_step(volume.code, "qc", "pass", actor=op.person, user=op).row.outcome == "passed"


@pytest.mark.db
def test_failed_check_reopens_the_named_step_counted(op, volume):
    device = scanner()
    walk(volume.code, op, device, upto="qc")
    with pytest.raises(ValidationError):  # a failure needs its reason
        services.record_step(volume.code, "qc", "fail", actor=op.person, user=op)
    failed = services.record_step(volume.code, "qc", "fail", actor=op.person, user=op, reason="第3页模糊").row
    assert failed.outcome == "failed" and failed.note == "第3页模糊"
    pos = FlowPosition.get(FlowPosition.item == volume.id)
    assert (pos.step, pos.outcome, pos.reworks) == ("scan", "failed", 1)
    with pytest.raises(StepOutOfOrderError):
        services.record_step(volume.code, "link", "start", actor=op.person, user=op)
    again = services.record_step(volume.code, "scan", "start", device=device.item.code, actor=op.person, user=op)
    assert again.row.round == 1
    services.record_step(volume.code, "scan", "finish", count=100, actor=op.person, user=op)
    services.record_step(volume.code, "image", "start", device=device.item.code, actor=op.person, user=op)
    services.record_step(volume.code, "image", "finish", count=100, actor=op.person, user=op)
    services.record_step(volume.code, "qc", "pass", actor=op.person, user=op)
    _item, rows, _events = services.sheet(volume.code)
    assert [r.step for r in rows].count("scan") == 2  # the sheet keeps the first round
    assert FlowPosition.get(FlowPosition.item == volume.id).reworks == 1


@pytest.mark.db
def test_changing_a_definition_is_logged_and_keeps_past_sheets(op, volume):
    walk(volume.code, op, None, upto="prep")
    admin = factories.user("administrator")
    services.define_step("out", name_zh="调卷出库", name_en="Pulled", position=10, user=admin)
    row = ProcessStep.get(ProcessStep.step == "out")
    assert (row.step_zh, row.step_en) == ("档案出库", "Out of storage")
    assert StepDef.get(StepDef.code == "out").name_zh == "调卷出库"
    logged = AuditLog.select().where(AuditLog.action == "step.change").get()
    assert logged.target == "out" and "调卷出库" in logged.detail
    with pytest.raises(ValidationError):
        services.define_step("early", name_zh="早", name_en="Early", position=5, rework_to="scan", user=admin)


@pytest.mark.db
def test_counts_that_disagree_are_flagged(op, volume):
    device = scanner()
    walk(volume.code, op, device, upto="scan")
    services.record_step(volume.code, "scan", "start", device=device.item.code, actor=op.person, user=op)
    services.record_step(volume.code, "scan", "finish", count=97, actor=op.person, user=op)
    _item, rows, _ = services.sheet(volume.code)
    assert [(a.step, b.step) for a, b in rules.count_differences(rows)] == [("prep", "scan")]
    assert rules.count_differences(rows, tolerance=3) == []


@pytest.mark.db
def test_device_register_and_change(site):
    admin = factories.user("administrator")
    device = devices.register_device("富士通 fi-7600", workstation=factories.loc("WS-01"), user=admin)
    assert device.item.kind == "device" and device.item.code.startswith("D")
    changed = devices.change_device(device.item.code, status="under_repair", user=admin)
    assert changed.status == "under_repair"
    assert AuditLog.select().where(AuditLog.action == "device.change").count() == 1
    with pytest.raises(ValidationError):
        devices.change_device(device.item.code, status="lost", user=admin)
    assert codes.DEVICE_STATUSES.msgid("retired") == "Retired"


@pytest.mark.db
def test_devices_import_all_or_nothing_and_print_as_labels(site):
    from app.custody import printing
    from labels import sheets

    admin = factories.user("administrator")
    made = devices.import_devices("名称,序列号,工位\n富士通 fi-7600,SN-1,WS-01\n爱普生 DS-50000,SN-2,WS-02,D00000042\n",
                                   user=admin)
    assert [d.item.code for d in made][1] == "D00000042" and made[0].workstation.code == "WS-01"
    with pytest.raises(LocationNotFound):
        devices.import_devices("扫描仪 A,SN-3,WS-01\n扫描仪 B,SN-4,NOWHERE\n", user=admin)
    assert Device.select().count() == 2  # the bad file registered nothing
    stock = next(iter(sheets.SHEETS.values()))
    labels = printing.build_labels("media", [d.item for d in made], stock)
    assert len(labels) == 2


@pytest.mark.db
def test_without_a_named_workstation_the_volumes_place_decides_the_device_check(op, volume, site):
    walk(volume.code, op, None, upto="catalogue")
    services.record_step(volume.code, "catalogue", "skip", actor=op.person, user=op, reason="已有目录")
    custody.check_out(volume.code, to=factories.loc("WS-01"), holder=op.person, actor=op.person)
    with pytest.raises(DeviceElsewhereError):  # the volume sits at WS-01, the scanner belongs to WS-02
        services.record_step(volume.code, "scan", "start", device=scanner(at="WS-02").item.code, actor=op.person,
                             user=op)
    with pytest.raises(DeviceNotFound):
        services.record_step(volume.code, "scan", "start", device="D99999999", actor=op.person, user=op)
    here = scanner(at="WS-01")
    assert services.record_step(volume.code, "scan", "start", device=here.item.code, actor=op.person,
                                user=op).row.device_id == here.item_id
