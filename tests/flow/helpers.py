"""Shared set-up for flow sheet tests: staff of the service organisation, devices at workstations."""
from app.custody import accounts
from app.custody.flow import services
from tests import factories


def staff(role: str, org: str = "数字化服务公司", org_kind: str = "service"):
    """A login with the role; its person works for `org`."""
    who = factories.person(org_kind=org_kind)
    who.organisation = org
    who.save()
    return accounts.create_user(f"{role}{who.id}", factories.PASSWORD, (role,), by=None, person=who)


def scanner(at="WS-01", status="in_service"):
    """A registered scanner at a workstation."""
    return services.register_device("Scanner", workstation=factories.loc(at), status=status)


def walk(code, user, device, upto=None):
    """Take a volume through every default step (optionally stopping before `upto`); returns the results."""
    done = []
    for d in services.definitions(active_only=True):
        if d.code == upto:
            break
        kw = {"actor": user.person, "user": user}
        if d.is_check:
            done.append(services.record_step(code, d.code, "pass", **kw))
            continue
        dev = device.item.code if d.needs_device else None
        done.append(services.record_step(code, d.code, "start", device=dev, **kw))
        count = 100 if d.counts != "none" else None
        done.append(services.record_step(code, d.code, "finish", count=count, **kw))
    return done
