"""Batches and handover lists through the domain services, on SQLite and PostgreSQL."""
import threading

import pytest

from app.custody import audit, services
from app.custody.errors import QuarantinedError, ValidationError
from app.custody.handovers import (
    accept_difference,
    batch_counts,
    confirm,
    lines_with_differences,
    make_batch,
    open_handover,
    pick_list,
    raise_secrecy_mark,
    scan_line,
    unresolved,
)
from app.custody.handovers.errors import (
    AlreadyHandedOverError,
    HandoverClosedError,
    HandoverLockedError,
    NotInBatchError,
    SamePersonError,
    UnresolvedDifferencesError,
    WrongOrganisationError,
)
from app.custody.handovers.models import Handover, HandoverLine, QuarantineRecord
from app.custody.models import Alert, Event, Item
from app.db import db
from tests import factories

from .helpers import handed_over, staff, volumes


@pytest.fixture
def people(site):
    return {"archivist": staff("archivist", "archive"), "archivist2": staff("archivist", "archive"),
            "operator": staff("operator", "service"), "operator2": staff("operator", "service")}


def test_batch_from_codes_archive_numbers_and_a_range_counts_and_pick_list(people):
    a = volumes(3, at="KF-A-02")
    b = volumes(2, at="KF-A-01")
    ranged = volumes(3, archive_no=None)
    first, last = ranged[0].archive_no, ranged[-1].archive_no
    batch = make_batch([a[0].code.lower(), a[1].archive_no, a[2].code, b[0].archive_no, b[1].code,
                        f"{first} ~ {last}"], user=people["archivist"])
    assert batch.number.startswith("PC")
    assert batch_counts(batch) == {"in_storage": 8, "out": 0, "handed_over": 0, "back": 0}
    shelves = [shelf for _item, shelf in pick_list(batch)]
    assert shelves == sorted(shelves)
    with pytest.raises(ValidationError) as err:
        make_batch([a[0].code, "NO-SUCH-1"], user=people["archivist"])
    assert "NO-SUCH-1" in err.value.message


def test_outgoing_then_return_both_ways(people):
    archivist, operator = people["archivist"], people["operator"]
    items = volumes(3)
    homes = {i.id: i.location_id for i in items}
    batch = make_batch([i.code for i in items], user=archivist)
    h = handed_over(archivist, operator, items, batch=batch)
    assert h.status == "confirmed"
    for item in items:
        item = Item.get_by_id(item.id)
        assert (item.state, item.holder_id, item.location_id) == ("out", operator.person_id, h.location_id)
    events = list(Event.select().where(Event.kind == "check_out"))
    assert len(events) == 3 and all(h.number in e.data for e in events)
    assert {line.event_id for line in h.lines} == {e.id for e in events}
    assert batch_counts(batch)["handed_over"] == 3

    back = open_handover("to_archive", user=operator, batch=batch)
    for item in items:
        scan_line(back, item.code, actor=operator.person, user=operator)
        scan_line(back, item.code, actor=archivist.person, user=archivist)
    confirm(back, actor=operator.person, user=operator)
    confirm(back, actor=archivist.person, user=archivist)
    for item in items:
        item = Item.get_by_id(item.id)
        assert (item.state, item.holder_id, item.location_id) == ("in_storage", None, homes[item.id])
    assert batch_counts(batch)["back"] == 3
    assert audit.verify_chain("event").ok


def test_receiver_check_shows_missing_extra_and_pages_each_resolved(people):
    archivist, operator = people["archivist"], people["operator"]
    a, b, c = volumes(3)
    extra = factories.item()
    h = open_handover("to_service", user=archivist)
    scan_line(h, a.code, actor=archivist.person, user=archivist)
    scan_line(h, b.code, actor=archivist.person, user=archivist, pages=100)
    scan_line(h, c.code, actor=archivist.person, user=archivist)
    scan_line(h, a.code, actor=operator.person, user=operator)
    scan_line(h, b.code, actor=operator.person, user=operator, pages=98)
    scan_line(h, extra.code, actor=operator.person, user=operator)
    found = {line.item.code: diffs for line, diffs, _o in lines_with_differences(h)}
    assert found == {a.code: [], b.code: ["pages"], c.code: ["missing"], extra.code: ["extra"]}
    with pytest.raises(UnresolvedDifferencesError):
        confirm(h, actor=archivist.person, user=archivist)
    scan_line(h, b.code, actor=archivist.person, user=archivist, pages=98)  # corrected
    accept_difference(h, c.code, actor=archivist.person, user=archivist, note="留在库房")
    accept_difference(h, extra.code, actor=operator.person, user=operator, note="不属于本批")
    assert unresolved(h) == []
    confirm(h, actor=archivist.person, user=archivist)
    confirm(h, actor=operator.person, user=operator)
    states = {i.code: i.state for i in Item.select().where(Item.id.in_([a.id, b.id, c.id, extra.id]))}
    assert states == {a.code: "out", b.code: "out", c.code: "in_storage", extra.code: "in_storage"}


def test_return_check_compares_with_the_outgoing_list(people):
    archivist, operator = people["archivist"], people["operator"]
    a, b = volumes(2)
    handed_over(archivist, operator, [a, b])
    back = open_handover("to_archive", user=operator)
    for item in (a, b):
        scan_line(back, item.code, actor=operator.person, user=operator)
    scan_line(back, a.code, actor=archivist.person, user=archivist)
    scan_line(back, b.code, actor=archivist.person, user=archivist, condition="damaged", note="书脊开裂")
    found = {line.item.code: diffs for line, diffs, _o in lines_with_differences(back)}
    assert found[a.code] == []
    assert set(found[b.code]) == {"condition", "changed_condition"}
    with pytest.raises(UnresolvedDifferencesError):
        confirm(back, actor=archivist.person, user=archivist)
    assert Item.get_by_id(b.id).state == "out"


def test_refusals(people):
    archivist, archivist2, operator = people["archivist"], people["archivist2"], people["operator"]
    inside, outside = volumes(2)
    batch = make_batch([inside.code], user=archivist)
    h = open_handover("to_service", user=archivist, batch=batch)
    with pytest.raises(NotInBatchError):
        scan_line(h, outside.code, actor=archivist.person, user=archivist)
    with pytest.raises(WrongOrganisationError):
        scan_line(h, inside.code, actor=operator.person, user=operator, side="from")
    scan_line(h, inside.code, actor=archivist.person, user=archivist)
    scan_line(h, inside.code, actor=operator.person, user=operator)
    with pytest.raises(WrongOrganisationError):
        confirm(h, actor=archivist2.person, user=archivist2, side="to")
    confirm(h, actor=archivist.person, user=archivist)
    with pytest.raises(HandoverLockedError):
        scan_line(h, inside.code, actor=operator.person, user=operator, pages=3)
    # the same person on both sides: a person of the archive acting as receiver is refused either way
    archivist.person.org_kind = "service"
    with pytest.raises(SamePersonError):
        confirm(h, actor=archivist.person, user=archivist, side="to")
    confirm(h, actor=operator.person, user=operator)
    with pytest.raises(HandoverClosedError):
        scan_line(h, inside.code, actor=operator.person, user=operator)
    again = open_handover("to_service", user=archivist)
    with pytest.raises(AlreadyHandedOverError):
        scan_line(again, inside.code, actor=archivist2.person, user=archivist2)
    with pytest.raises(ValidationError):
        scan_line(again, factories.item(kind="media").code, actor=archivist2.person, user=archivist2)
    services.quarantine(outside.code, actor=archivist.person, reason="密级标志")
    with pytest.raises(QuarantinedError):
        scan_line(again, outside.code, actor=archivist2.person, user=archivist2)


def test_confirmation_is_atomic(people):
    """A volume refused half-way through the confirmation leaves every volume as it was."""
    archivist, operator = people["archivist"], people["operator"]
    items = volumes(4)
    h = open_handover("to_service", user=archivist)
    for item in items:
        scan_line(h, item.code, actor=archivist.person, user=archivist)
        scan_line(h, item.code, actor=operator.person, user=operator)
    confirm(h, actor=archivist.person, user=archivist)
    services.quarantine(items[2].code, actor=operator.person, reason="secrecy mark")
    before = Event.select().count()
    with pytest.raises(QuarantinedError):
        confirm(h, actor=operator.person, user=operator)
    assert Event.select().count() == before
    assert [Item.get_by_id(i.id).state for i in items] == ["in_storage", "in_storage", "quarantined", "in_storage"]
    assert HandoverLine.select().where(HandoverLine.event.is_null(False)).count() == 0
    h = Handover.get_by_id(h.id)
    assert h.to_confirmed_at is None and h.status == "draft"
    assert audit.verify_chain("event").ok


def test_two_handovers_racing_for_one_volume(app, people):
    archivist, archivist2 = people["archivist"], people["archivist2"]
    operator, operator2 = people["operator"], people["operator2"]
    shared = factories.item()
    lists = []
    for who, receiver in ((archivist, operator), (archivist2, operator2)):
        h = open_handover("to_service", user=who)
        scan_line(h, shared.code, actor=who.person, user=who)
        scan_line(h, shared.code, actor=receiver.person, user=receiver)
        confirm(h, actor=who.person, user=who)
        lists.append((h.number, receiver))
    outcomes, barrier = [], threading.Barrier(2)

    def run(number, receiver):
        with app.app_context(), db.connection_context():
            barrier.wait()
            try:
                confirm(number, actor=receiver.person, user=receiver)
                outcomes.append("ok")
            except AlreadyHandedOverError:
                outcomes.append("refused")

    threads = [threading.Thread(target=run, args=pair) for pair in lists]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert Event.select().where((Event.item == shared.id) & (Event.kind == "check_out")).count() == 1


def test_quarantined_volume_handed_back(people):
    archivist, operator, supervisor = people["archivist"], people["operator"], staff("supervisor", "archive")
    a, b = volumes(2)
    handed_over(archivist, operator, [a, b])
    record = raise_secrecy_mark(a.code, actor=operator.person, user=operator, pages="12-13", note="机密")
    assert Item.get_by_id(a.id).state == "quarantined"
    alert = Alert.get(Alert.item == a.id, Alert.kind == "quarantine")
    assert alert.severity == "critical" and alert.status == "open"
    assert record.found_by_id == operator.person_id and record.pages == "12-13"
    with pytest.raises(QuarantinedError):
        services.check_out(a.code, to=factories.loc("WS-01"), holder=operator.person, actor=operator.person)
    back = open_handover("to_archive", user=operator)
    scan_line(back, a.code, actor=operator.person, user=operator)
    scan_line(back, a.code, actor=supervisor.person, user=supervisor)
    confirm(back, actor=operator.person, user=operator)
    with pytest.raises(Exception) as err:  # a supervisor of the archive is not an archivist
        confirm(back, actor=supervisor.person, user=supervisor)
    assert err.value.code == "forbidden"
    confirm(back, actor=archivist.person, user=archivist)
    assert Item.get_by_id(a.id).state == "in_storage"
    assert QuarantineRecord.get_by_id(record.id).status == "handed_back"
    assert Alert.get_by_id(alert.id).status == "resolved"


def test_acceptance_names_batches_not_back_open_differences_and_quarantines(people):
    from app.custody.handovers import acceptance_open
    from app.custody.handovers.acceptance import bundle_documents

    archivist, operator = people["archivist"], people["operator"]
    assert acceptance_open() == (0, [])
    items = volumes(3)
    batch = make_batch([i.code for i in items[:2]], user=archivist)
    done = handed_over(archivist, operator, items[:2], batch=batch)
    h = open_handover("to_service", user=archivist)
    scan_line(h, items[2].code, actor=archivist.person, user=archivist)
    raise_secrecy_mark(items[0].code, actor=operator.person, user=operator)
    count, examples = acceptance_open()
    assert count == 3
    assert examples == [(batch.number, "2 volumes handed over, not back"), (h.number, "1 unresolved differences"),
                        (items[0].code, "quarantined (secrecy mark), not handed back")]
    assert acceptance_open(limit=1)[1] == examples[:1]
    paths = [path for path, body in bundle_documents() if body.startswith(b"%PDF")]
    assert paths == [f"handovers/{done.number}.pdf"]


def test_a_handover_cannot_be_undone_from_the_scan_page(people):
    from app.custody.errors import UndoRefusedError

    archivist, operator = people["archivist"], people["operator"]
    item = factories.item()
    h = handed_over(archivist, operator, [item])
    event = Event.get(Event.item == item.id, Event.kind == "check_out")
    assert event.user_id == operator.id
    with pytest.raises(UndoRefusedError) as err:
        services.undo(event.id, user=operator, actor=operator.person)
    assert h.number in err.value.message
    assert Item.get_by_id(item.id).state == "out"
