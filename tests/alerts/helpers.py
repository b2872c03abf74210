"""Helpers for the nightly-rule tests: the night they sweep, a site with a chosen zone and rule,
people without badge dates."""
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from app.custody import services
from app.custody.models import Person, Site
from tests import factories
from tests.clock import TEST_NOW, local_to_utc

# The night the tests sweep: the Monday two to three weeks before the suite's instant (TEST_NOW), in
# Asia/Shanghai, whose 18:30 cutoff is 10:30 UTC. Its log lies in the past of every test's clock.
_local_today = TEST_NOW.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
NIGHT = _local_today - timedelta(days=14 + _local_today.weekday())
CUTOFF = local_to_utc(NIGHT, "18:30", "Asia/Shanghai")
SITE_CREATED = CUTOFF - timedelta(days=365)  # a site set up long before the night


def site(tz="Asia/Shanghai", cutoff="18:30", grace=30, created=SITE_CREATED, **fields):
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
