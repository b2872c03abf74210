"""Custody services against a real database: each change is one event plus the item's state."""
import pytest

from app.custody import services
from app.custody.audit import verify_chain
from app.custody.errors import (
    AlreadyThereError,
    BadgeNotActiveError,
    ConflictError,
    DestinationNotAllowedError,
    ItemNotFound,
    NotAllowedError,
    QuarantinedError,
)
from app.custody.models import Alert, Event, Item
from tests import factories as f


@pytest.fixture
def world(site):
    return {"op": f.person("王强"), "archivist": f.person("张伟"), "vol": f.item()}


def reload(item):
    return Item.get_by_id(item.id)


def test_check_out_move_return_updates_state_and_log(world):
    vol, op = world["vol"], world["op"]
    out = services.check_out(vol.code.lower(), to=f.loc("WS-01"), holder=op, actor=world["archivist"])
    assert (reload(vol).state, reload(vol).location.code, reload(vol).holder_id) == ("out", "WS-01", op.id)
    assert out.src.code == "KF-A-01" and out.dst.code == "WS-01"
    services.move(vol.code, to=f.loc("WS-02"), actor=op)
    assert (reload(vol).location.code, reload(vol).holder_id) == ("WS-02", op.id)
    back = services.return_to_storage(f"]C0{vol.code} ", to=f.loc("KF-A-02"), actor=op)
    now = reload(vol)
    assert (now.state, now.location.code, now.holder_id) == ("in_storage", "KF-A-02", None)
    assert back.kind == "return"
    kinds = [e.kind for e in Event.select().where(Event.item == vol).order_by(Event.id)]
    assert kinds == ["check_out", "move", "return"]
    assert verify_chain("event").ok


@pytest.mark.parametrize("call, error", [
    (lambda w: services.check_out("V99999999", to=f.loc("WS-01"), holder=w["op"], actor=None), ItemNotFound),
    (lambda w: services.return_to_storage(w["vol"].code, to=f.loc("KF-A-01"), actor=None), AlreadyThereError),
    (lambda w: services.check_out(w["vol"].code, to=f.loc("DOOR-1"), holder=w["op"], actor=None),
     DestinationNotAllowedError),
    (lambda w: services.check_out(w["vol"].code, to=f.loc("KF-A-02"), holder=w["op"], actor=None), NotAllowedError),
    (lambda w: services.check_out(w["vol"].code, to=f.loc("WS-01"), holder=f.person(badge_status="pending"),
                                  actor=None), BadgeNotActiveError),
    (lambda w: services.check_out(w["vol"].code, to=f.loc("WS-01"), holder=f.person(badge_status="revoked"),
                                  actor=None), BadgeNotActiveError),
])
def test_refusals_change_nothing(world, call, error):
    before = (Event.select().count(), reload(world["vol"]).state, reload(world["vol"]).location_id)
    with pytest.raises(error) as info:
        call(world)
    assert info.value.message  # a readable sentence, not a bare code
    assert (Event.select().count(), reload(world["vol"]).state, reload(world["vol"]).location_id) == before


def test_second_check_out_names_the_holder(world):
    services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["op"], actor=None)
    with pytest.raises(ConflictError, match="王强"):
        services.check_out(world["vol"].code, to=f.loc("WS-02"), holder=world["archivist"], actor=None)


def test_quarantine_blocks_every_move_until_released(world):
    vol = world["vol"]
    services.quarantine(vol.code, actor=world["archivist"], reason="密级标识 secrecy mark found")
    assert Alert.get(Alert.item == vol).kind == "quarantine"
    with pytest.raises(QuarantinedError):
        services.check_out(vol.code, to=f.loc("WS-01"), holder=world["op"], actor=None)
    with pytest.raises(QuarantinedError):
        services.move(vol.code, to=f.loc("KF-A-02"), actor=None)
    services.release(vol.code, actor=world["archivist"], reason="declassified 已解密")
    assert reload(vol).state == "in_storage"
    assert Alert.get(Alert.item == vol).status == "resolved"


def test_damage_is_recorded_in_any_state(world):
    vol = world["vol"]
    services.quarantine(vol.code, actor=None, reason="secrecy mark")
    services.record_damage(vol.code, actor=world["op"], description="第3页撕裂 torn page 3", pages=1)
    assert reload(vol).is_damaged and reload(vol).state == "quarantined"


def test_client_id_makes_a_call_idempotent(world):
    first = services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["op"], actor=None,
                               client_id="scan-1")
    again = services.check_out(world["vol"].code, to=f.loc("WS-01"), holder=world["op"], actor=None,
                               client_id="scan-1")
    assert again.id == first.id and Event.select().count() == 1
