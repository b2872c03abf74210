"""Devices (scanners, cameras, PCs): items of kind device with a workstation and a state; the places a step scan
names. Registering, importing and changing a device is logged in the admin log."""
from datetime import datetime

from app.db import write_tx

from .. import audit, clock
from ..codes import format_code, normalize_scan
from ..errors import N_, LocationNotFound, ValidationError
from ..models import CODE_PREFIX, Item, Location, highest_number, taken
from . import codes
from .errors import DeviceElsewhereError, DeviceNotFound, DeviceNotInServiceError
from .models import Device, StepDef


def location(code: str) -> Location:
    """The location with this code (a workstation, for a step scan); raises LocationNotFound."""
    norm = normalize_scan(code)
    found = Location.get_or_none(Location.code == norm)
    if found is None:
        raise LocationNotFound(code=norm)
    return found



def _check_status(status: str) -> None:
    if status not in codes.DEVICE_STATUSES:
        raise ValidationError(N_("Unknown device state: %(value)s"), value=status)


def _device(code: str) -> Device:
    norm = normalize_scan(code)
    device = (Device.select(Device, Item).join(Item).where(Item.code == norm).first())
    if device is None:
        raise DeviceNotFound(code=norm)
    return device


def get_device(code: str) -> Device:
    """The device with this label code; raises DeviceNotFound."""
    return _device(code)


def register_device(name: str, *, workstation: Location | None = None, serial_no: str = "", code: str = "",
                    status: str = "in_service", user=None, now: datetime | None = None) -> Device:
    """Register a device (an item of kind device) at a workstation; logged in the admin log.

    Raises ValidationError (no name, bad status, code taken)."""
    now = now or clock.now()
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(N_("Give the device's name (at most 200 characters)."))
    _check_status(status)
    with write_tx():
        code = normalize_scan(code) if code else None
        if code is None:
            code = format_code(CODE_PREFIX["device"], highest_number(Item.code, CODE_PREFIX["device"]) + 1)
        elif taken(Item.code, code):  # a loading import's codes included
            raise ValidationError(N_("The code %(code)s is already in use."), code=code)
        item = Item.create(code=code, kind="device", title=name, serial_no=(serial_no or "").strip()[:100],
                           location=workstation, state="out" if workstation is not None else "in_storage",
                           state_since=now, created_at=now)
        device = Device.create(item=item, name=name, workstation=workstation, status=status, changed_at=now)
        audit.append_audit("device.register", user=user, target=code,
                           detail={"name": name, "workstation": workstation.code if workstation else None,
                                   "status": status}, at=now)
    return device


def import_devices(text: str, *, user=None, now: datetime | None = None) -> list[Device]:
    """Register devices from CSV text, one per line: name, serial number, workstation code[, device number].

    All or nothing. Raises ValidationError, LocationNotFound."""
    import csv
    import io

    now = now or clock.now()
    lines = [row for row in csv.reader(io.StringIO(text or "")) if any(cell.strip() for cell in row)]
    if lines and lines[0] and lines[0][0].strip().lower() in ("name", "名称", "设备名称"):
        lines = lines[1:]  # a header row
    if not lines:
        raise ValidationError(N_("No devices to import: one per line, name, serial number, workstation code."))
    made = []
    with write_tx():
        for row in lines:
            cells = [c.strip() for c in row] + ["", "", "", ""]
            where = location(cells[2]) if cells[2] else None
            made.append(register_device(cells[0], workstation=where, serial_no=cells[1], code=cells[3],
                                        user=user, now=now))
    return made


def change_device(code: str, *, status: str | None = None, workstation: Location | None = None,
                  user=None, now: datetime | None = None) -> Device:
    """Change a device's state (in service, under repair, retired) or workstation; logged.

    Raises DeviceNotFound, ValidationError."""
    now = now or clock.now()
    if status is not None:
        _check_status(status)
    with write_tx():
        device = _device(code)
        changes = {}
        if status is not None and status != device.status:
            changes["status"] = status
        if workstation is not None and workstation.id != device.workstation_id:
            changes["workstation"] = workstation.code
            Item.update(location=workstation).where(Item.id == device.item_id).execute()
        if changes:
            Device.update(status=status or device.status,
                          workstation=workstation or device.workstation, changed_at=now).where(
                Device.id == device.id).execute()
            audit.append_audit("device.change", user=user, target=device.item.code, detail=changes, at=now)
    return _device(code)



def _check_device(device: Device, step: StepDef, where: Location | None) -> None:
    """Raise DeviceNotInServiceError, DeviceElsewhereError (another workstation than the one named)."""
    if device.status != "in_service":
        raise DeviceNotInServiceError(device=device.item.code, status=codes.DEVICE_STATUSES.coded(device.status))
    if (where is not None and device.workstation_id is not None and where.kind == "workstation"
            and device.workstation_id != where.id):
        raise DeviceElsewhereError(device=device.item.code,
                                   location=device.workstation.name if device.workstation else "—")

