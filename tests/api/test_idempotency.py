"""A retried write with the same idempotency key is recorded once and answered with the first event."""
from app.custody.models import Event

from .conftest import ZH


def events_of(in_db, item_id):
    return in_db(lambda: [(e.kind, e.client_id) for e in Event.select().where(Event.item == item_id)])


def test_same_header_key_twice_records_one_event(as_archivist, world, in_db):
    path = f"/api/v1/items/{world.vol.code}/check-out"
    body = {"location": "WS-01", "person": world.op_badge}
    first = as_archivist.post(path, body, headers={"Idempotency-Key": "3f2c9a1e-scan-0001"})
    again = as_archivist.post(path, body, headers={"Idempotency-Key": "3f2c9a1e-scan-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert events_of(in_db, world.vol.id) == [("check_out", "3f2c9a1e-scan-0001")]


def test_client_id_in_the_body_works_the_same(as_archivist, world, in_db):
    path = f"/api/v1/items/{world.out.code}/damage"
    body = {"description": "封面破损", "pages": 1, "client_id": "dm-42"}
    assert as_archivist.post(path, body).status_code == 201
    assert as_archivist.post(path, body).status_code == 200
    assert events_of(in_db, world.out.id).count(("damage", "dm-42")) == 1


def test_a_replay_is_answered_even_after_the_state_moved_on(as_archivist, world, in_db):
    """The retry of a check-out that did arrive must not be refused as 'already checked out'."""
    path = f"/api/v1/items/{world.vol.code}/check-out"
    body = {"location": "WS-01", "person": world.op_badge, "client_id": "k1"}
    first = as_archivist.post(path, body).get_json()
    assert as_archivist.post(f"/api/v1/items/{world.vol.code}/move", {"location": "WS-02"}).status_code == 201
    again = as_archivist.post(path, body)
    assert again.status_code == 200 and again.get_json()["id"] == first["id"]
    assert [k for k, _ in events_of(in_db, world.vol.id)] == ["check_out", "move"]


def test_without_a_key_a_second_identical_request_is_a_new_request(as_archivist, world):
    path = f"/api/v1/items/{world.out.code}/damage"
    assert as_archivist.post(path, {"description": "水渍"}).status_code == 201
    assert as_archivist.post(path, {"description": "水渍"}).status_code == 201


def test_a_key_reused_for_another_request_is_refused(as_archivist, world, snapshot):
    assert as_archivist.post(f"/api/v1/items/{world.out.code}/damage", {"description": "水渍"},
                             headers={"Idempotency-Key": "k-9"}).status_code == 201
    before = snapshot()
    other_item = as_archivist.post(f"/api/v1/items/{world.vol.code}/damage", {"description": "水渍"},
                                   headers={"Idempotency-Key": "k-9"}, lang=ZH)
    assert other_item.status_code == 422
    assert other_item.get_json()["error"] == {
        "code": "idempotency_key_reused", "message": f"该幂等键已用于另一个请求（{world.out.code}），不能重复使用。"}
    other_action = as_archivist.post(f"/api/v1/items/{world.out.code}/quarantine", {"reason": "x"},
                                     headers={"Idempotency-Key": "k-9"})
    assert other_action.status_code == 422
    assert other_action.get_json()["error"]["message"] == (
        f"This idempotency key was already used for a different request (on {world.out.code}).")
    assert snapshot() == before


def test_a_refused_request_leaves_its_key_free(as_archivist, world, in_db):
    path = f"/api/v1/items/{world.vol.code}/check-out"
    key = {"Idempotency-Key": "retry-after-fix"}
    assert as_archivist.post(path, {"location": "DOOR-1"}, headers=key).status_code == 422
    assert as_archivist.post(path, {"location": "WS-01", "person": world.op_badge}, headers=key).status_code == 201
    assert events_of(in_db, world.vol.id) == [("check_out", "retry-after-fix")]


def test_key_problems_are_422(as_archivist, world, snapshot):
    before = snapshot()
    path = f"/api/v1/items/{world.out.code}/damage"
    long = as_archivist.post(path, {"description": "x"}, headers={"Idempotency-Key": "k" * 81})
    assert long.status_code == 422
    assert long.get_json()["error"]["message"] == "Idempotency-Key is too long (at most 80 characters)."
    differ = as_archivist.post(path, {"description": "x", "client_id": "a"}, headers={"Idempotency-Key": "b"}, lang=ZH)
    assert differ.status_code == 422
    assert differ.get_json()["error"]["message"] == "Idempotency-Key 请求头与 client_id 不一致，请只提供其中一个。"
    assert snapshot() == before


def test_concurrent_retries_with_one_key_record_one_event(app, world, in_db):
    """A client that times out and retries while the first request is still running: one event, no 500."""
    from concurrent.futures import ThreadPoolExecutor

    from .conftest import Api

    def attempt(_n):
        api = Api(app.test_client(), world.arch_token)
        response = api.post(f"/api/v1/items/{world.vol.code}/check-out",
                            {"location": "WS-01", "person": world.op_badge}, headers={"Idempotency-Key": "race-1"})
        return response.status_code, response.get_json().get("id")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, range(8), timeout=60))
    assert {status for status, _ in results} <= {200, 201}
    assert len({event_id for _, event_id in results}) == 1
    assert events_of(in_db, world.vol.id) == [("check_out", "race-1")]
