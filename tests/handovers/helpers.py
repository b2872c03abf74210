"""Shared set-up for handover tests: both organisations' staff, a batch of volumes."""
from app.custody import accounts
from app.custody.handovers import confirm, make_batch, open_handover, scan_line
from tests import factories


def staff(role: str, org_kind: str, name: str | None = None):
    """A login with the role whose person belongs to the archive department or the service organisation."""
    org = "某某市档案馆" if org_kind == "archive" else "数字化服务公司"
    who = factories.person(name=name, org_kind=org_kind)
    who.organisation = org
    who.save()
    return accounts.create_user(f"{role}{who.id}", factories.PASSWORD, (role,), by=None, person=who)


def volumes(n: int, **fields):
    return [factories.item(**fields) for _ in range(n)]


def handed_over(archivist, receiver, items, *, batch=None):
    """A confirmed outgoing handover of these volumes (both sides scanned, both confirmed)."""
    batch = batch or make_batch([i.code for i in items], user=archivist)
    h = open_handover("to_service", user=archivist, batch=batch)
    for item in items:
        scan_line(h, item.code, actor=archivist.person, user=archivist)
    for item in items:
        scan_line(h, item.code, actor=receiver.person, user=receiver)
    confirm(h, actor=archivist.person, user=archivist)
    return confirm(h, actor=receiver.person, user=receiver)
