"""Who may take a volume: moving or handing on a volume someone else holds needs the holder, an archivist
or a supervisor, as returns already did (the finding: an operator's hand_to his own badge, then a move, of
a volume the supervisor held were both recorded). A scan's client_id belongs to the login that sent it
(the finding: reusing another user's id returned their event and recorded nothing)."""
import pytest

from app.custody import services
from app.custody.errors import NotYoursToMoveError
from app.custody.models import Event, Item, User
from tests import factories as f

from . import test_scan_api
from .test_scan_api import state

world = test_scan_api.world  # the scan tests' fixture: an operator logged in, another one, an archivist


@pytest.fixture(autouse=True)
def _english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def held_by_supervisor(world):
    boss = f.user("supervisor")
    services.check_out(world["vol"].code, to=f.loc("WS-02"), holder=boss.person, actor=boss.person, user=boss.id)
    return boss


@pytest.mark.parametrize("action, fields", [("hand_to", "person"), ("move", "location")])
def test_an_operator_cannot_take_a_volume_someone_else_holds(world, scan, held_by_supervisor, action, fields):
    before = (Event.select().count(), state(world["vol"]))
    value = world["me"].badge_code if fields == "person" else "WS-01"
    res = scan(world["vol"].code, action, **{fields: value})
    assert res.status_code == 403 and res.json["error"]["code"] == "not_yours"
    assert "move it or hand it on" in res.json["error"]["message"]
    assert (Event.select().count(), state(world["vol"])) == before


def test_the_holder_an_archivist_and_a_supervisor_may(world, held_by_supervisor):
    boss, keeper = held_by_supervisor, world["keeper"]
    code = world["vol"].code
    services.move(code, to=f.loc("WS-01"), actor=boss.person, user=boss.id)  # the holder
    services.hand_over(code, to_person=world["me"], actor=keeper.person, user=keeper.id)  # an archivist
    services.move(code, to=f.loc("WS-02"), actor=world["me"], user=world["op"].id)  # now the holder
    with pytest.raises(NotYoursToMoveError):
        services.move(code, to=f.loc("WS-01"), actor=world["other"].person, user=world["other"].id)
    assert state(world["vol"]) == ("out", "WS-02", world["me"].id)


def test_a_client_id_belongs_to_the_login_that_sent_it(app, world, scan):
    # another operator's scan recorded under "shared-id"
    theirs = f.item()
    other = User.get_by_id(world["other"].id)
    from app.custody import scans

    scans.record_scan(theirs.code, "check_out", user=other, actor=other.person, location="WS-02", client_id="shared-id")
    mine = scan(world["vol"].code, "check_out", location="WS-01", client_id="shared-id")
    assert mine.status_code == 201 and mine.json["outcome"] == "recorded"  # not their event replayed
    assert mine.json["event"]["client_id"] == "shared-id"
    assert Item.get_by_id(world["vol"].id).holder_id == world["me"].id


def test_reusing_my_client_id_for_a_different_scan_is_refused(world, scan):
    first = scan(world["vol"].code, "check_out", location="WS-01", client_id="k-1")
    assert first.status_code == 201
    again = scan(world["vol"].code, "check_out", location="WS-01", client_id="k-1")
    assert again.status_code == 200 and again.json["outcome"] == "replayed"
    other = f.item()
    reused = scan(other.code, "check_out", location="WS-01", client_id="k-1")
    assert reused.status_code == 422 and reused.json["error"]["code"] == "idempotency_key_reused"
    assert Item.get_by_id(other.id).state == "in_storage"
    wrong_action = scan(world["vol"].code, "return", client_id="k-1")
    assert wrong_action.status_code == 422 and wrong_action.json["error"]["code"] == "idempotency_key_reused"
