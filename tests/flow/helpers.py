"""Shared set-up for flow sheet tests: staff of the service organisation, devices at workstations."""
from app.custody import accounts
from app.custody.flow import devices, services
from tests import factories


def staff(role: str, org: str = "数字化服务公司", org_kind: str = "service"):
    """A login with the role; its person works for `org`."""
    who = factories.person(org_kind=org_kind)
    who.organisation = org
    who.save()
    return accounts.create_user(f"{role}{who.id}", factories.PASSWORD, (role,), by=None, person=who)


def scanner(at="WS-01", status="in_service"):
    """A registered scanner at a workstation."""
    return devices.register_device("Scanner", workstation=factories.loc(at), status=status)


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


def steps_with_events_between(volume, user, start):
    """out (start, finish) · check-out to WS-01 · prep (start) · damage during prep · prep finish · catalogue
    started: what a sheet shows, each 10 minutes after `start` (naive UTC)."""
    from datetime import timedelta

    from app.custody import services as custody

    t = [start + timedelta(minutes=10 * i) for i in range(7)]
    kw = {"actor": user.person, "user": user}
    services.record_step(volume.code, "out", "start", now=t[0], **kw)
    services.record_step(volume.code, "out", "finish", now=t[1], **kw)
    custody.check_out(volume.code, to=factories.loc("WS-01"), holder=user.person, actor=user.person, now=t[2],
                      note="取出扫描")
    services.record_step(volume.code, "prep", "start", now=t[3], **kw)
    custody.record_damage(volume.code, actor=user.person, description="第5页撕裂", now=t[4])
    services.record_step(volume.code, "prep", "finish", count=100, now=t[5], **kw)
    services.record_step(volume.code, "catalogue", "start", now=t[6], **kw)
