"""Helpers for the nightly-rule tests: a site with a chosen zone and rule, people without badge dates."""
from datetime import datetime

from app.custody import services
from app.custody.models import Person, Site
from tests import factories


def site(tz="Asia/Shanghai", cutoff="18:30", grace=30, created=datetime(2020, 1, 1), **fields):
    s = factories.site()
    Site.update(timezone=tz, cutoff=cutoff, grace_minutes=grace, created_at=created, **fields).where(
        Site.id == s.id).execute()
    return Site.get_by_id(s.id)


def person(name=None):
    p = factories.person(name=name)
    Person.update(valid_from=None, valid_until=None).where(Person.id == p.id).execute()
    return Person.get_by_id(p.id)


def out(item, who, at, to="WS-01"):
    return services.check_out(item.code, to=factories.loc(to), holder=who, actor=who, now=at)


def back(item, who, at, to="KF-A-01"):
    return services.return_to_storage(item.code, to=factories.loc(to), actor=who, now=at)
