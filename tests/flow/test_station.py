"""A desk station reader in step mode: its reads start and finish the step named in its settings."""
import pytest

from app.custody import clock, readers
from app.custody.errors import ValidationError
from app.custody.flow.errors import StepNotFound
from app.custody.flow.models import ProcessStep
from tests import factories as f

from .helpers import scanner, staff, walk


def _post(client, secret, seq, code):
    read = {"seq": seq, "kind": "read", "tag": code, "scheme": "barcode", "symbology": "]C0",
            "read_at": clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
    return client.post("/api/v1/reader-events", json={"events": [read]}, headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.db
def test_station_in_step_mode_starts_then_finishes_with_the_catalogue_count(client, site):
    op = staff("operator")
    device = scanner("WS-01")
    volume = f.item()
    walk(volume.code, op, device, upto="scan")
    reader, secret = readers.register_reader("desk-1", location=f.loc("WS-01"), mode="station", protocol="barcode",
                                           settings={"action": "step", "step": "scan", "device": device.item.code})
    f.approved(reader)
    first = _post(client, secret, 1, volume.code).get_json()
    assert first["outcomes"][0]["outcome"] == "step:in_progress"
    second = _post(client, secret, 2, volume.code.lower()).get_json()
    assert second["outcomes"][0]["outcome"] == "step:done"
    row = ProcessStep.get((ProcessStep.item == volume.id) & (ProcessStep.step == "scan"))
    assert (row.device_id, row.quantity, row.outcome) == (device.item_id, 100, "done")
    # out of order: refused with its code, nothing recorded
    other = f.item()
    third = _post(client, secret, 3, other.code).get_json()
    assert third["outcomes"][0]["outcome"] == "refused:step_out_of_order"
    assert ProcessStep.select().where(ProcessStep.item == other.id).count() == 0


@pytest.mark.db
def test_station_step_settings_are_checked(site):
    with pytest.raises(StepNotFound):
        readers.register_reader("d", location=f.loc("WS-01"), mode="station", protocol="barcode",
                              settings={"action": "step", "step": "nope"})
    with pytest.raises(ValidationError):
        readers.register_reader("d", location=f.loc("WS-01"), mode="station", protocol="barcode",
                              settings={"action": "step", "step": "qc"})


@pytest.mark.db
def test_station_refuses_a_device_of_another_workstation_and_a_quarantined_volume(client, site):
    op = staff("operator")
    device = scanner("WS-01")
    volume, secret_volume = f.item(), f.item()
    for v in (volume, secret_volume):
        walk(v.code, op, device, upto="scan")
    reader, secret = readers.register_reader("desk-2", location=f.loc("WS-02"), mode="station", protocol="barcode",
                                           settings={"action": "step", "step": "scan", "device": device.item.code})
    f.approved(reader)
    assert _post(client, secret, 1, volume.code).get_json()["outcomes"][0]["outcome"] == "refused:device_elsewhere"
    from app.custody import services as custody

    custody.quarantine(secret_volume.code, actor=staff("security_officer").person, reason="密级标志")
    assert _post(client, secret, 2, secret_volume.code).get_json()["outcomes"][0]["outcome"] == "refused:quarantined"
    assert ProcessStep.select().where(ProcessStep.step == "scan").count() == 0
