"""Hand-rolled factories with sequences for unique codes; deterministic values only."""
import itertools
from datetime import timedelta

from app.custody import accounts, clock
from app.custody.models import Item, Location, Person, Site, Tag

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def site(code="S1", timezone="Asia/Shanghai") -> Site:
    """A site with a storage room + two shelves, a workroom + two workstations, and a door."""
    existing = Site.get_or_none(Site.code == code)
    if existing:
        return existing
    s = Site.create(code=code, name="Test site", timezone=timezone)
    root = Location.create(site=s, code="SITE", name="Site", kind="site")
    kf = Location.create(site=s, code="KF", name="库房", kind="storage", parent=root)
    Location.create(site=s, code="KF-A-01", name="Shelf A-01", kind="shelf", parent=kf)
    Location.create(site=s, code="KF-A-02", name="Shelf A-02", kind="shelf", parent=kf)
    jg = Location.create(site=s, code="JG", name="加工场所", kind="workroom", parent=root)
    Location.create(site=s, code="WS-01", name="Workstation 1", kind="workstation", parent=jg)
    Location.create(site=s, code="WS-02", name="Workstation 2", kind="workstation", parent=jg)
    Location.create(site=s, code="DOOR-1", name="Main door", kind="door", parent=root)
    return s


def loc(code: str) -> Location:
    return Location.get(Location.code == code)


def person(name=None, badge_status="active", tag=None, **fields) -> Person:
    n = next(_seq)
    today = clock.now().date()  # valid from 10 days before the test's instant to 100 days after
    who = Person.create(name=name or f"Person {n}", organisation="数字化服务公司", badge_code=f"B{n:08d}",
                        badge_status=badge_status, valid_from=today - timedelta(days=10),
                        valid_until=today + timedelta(days=100), **fields)
    if tag:
        Tag.create(tag=tag, person=who)
    return who


def item(kind="volume", at="KF-A-01", archive_no=None, title="会议纪要", **fields) -> Item:
    n = next(_seq)
    prefix = {"volume": "V", "media": "M", "device": "D"}[kind]
    location = loc(at) if at else None
    return Item.create(code=f"{prefix}{n:08d}", kind=kind, archive_no=archive_no or f"J012-WS·2019-Y-{n:04d}",
                       title=title, pages=100, location=location,
                       state="in_storage" if location is None or location.is_storage else "out", **fields)


def user(*roles, username=None, with_person=True):
    n = next(_seq)
    who = person() if with_person else None
    return accounts.create_user(username or f"user{n}", PASSWORD, roles, by=None, person=who)


def approved(reader):
    """The reader, approved by a security officer (as the Reader approval page does): its reads change custody."""
    from app.custody import readers
    from app.custody.models import User

    officer = User.get_or_none(User.username == "officer") or user("security_officer", username="officer")
    readers.approve_reader(reader, by=officer)
    return reader
