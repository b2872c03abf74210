"""Turning a scanned or typed code into what it names: the one place codes are resolved.

A scan (handheld, desk station, door reader) may name an item (its code or a bound tag), a person
(badge code or tag) or a location. `resolve` answers which, with the row; `item` is the item-only
lookup the custody services use, and passes an Item it is handed straight through.
"""
from dataclasses import dataclass

from . import statements
from .codes import normalize_scan
from .errors import ItemNotFound
from .models import Item, Location, Person, Tag


@dataclass
class Resolved:
    kind: str = "unknown"  # item | person | location | visitor | unknown (readers.codes.RESOLVED_KINDS)
    item: Item | None = None
    person: Person | None = None
    location: Location | None = None
    visitor: object = None  # people.models.Visitor (a visitor's pass code)


def resolve(raw: str, *, tags: bool = True, visitors: bool = False) -> Resolved:
    """What a scanned code names: an item, a person (badge), a location, a bound tag's owner, or (visitors)
    a visitor's pass."""
    code = normalize_scan(raw)
    if not code:
        return Resolved()
    # precompiled lookups: peewee's query building cost more CPU than SQLite's answer (most scans are items)
    item = statements.row_by(Item, "code", code)
    if item is not None:
        return Resolved("item", item=item)
    person = statements.row_by(Person, "badge_code", code)
    if person is not None:
        return Resolved("person", person=person)
    location = statements.row_by(Location, "code", code)
    if location is not None:
        return Resolved("location", location=location)
    if tags:
        tag = Tag.get_or_none(Tag.tag == code)
        if tag is not None:
            return Resolved("item", item=tag.item) if tag.item_id else Resolved("person", person=tag.person)
    if visitors:
        from .people.models import Visitor  # the people area's passes (a door reader reads them)

        visitor = Visitor.get_or_none(Visitor.pass_code == code)
        if visitor is not None:
            return Resolved("visitor", visitor=visitor)
    return Resolved()


def item(code_or_item) -> Item:
    """The item itself when handed one, else the item with this code (any scan form); raises ItemNotFound."""
    if isinstance(code_or_item, Item):
        return code_or_item
    norm = normalize_scan(code_or_item)
    found = statements.item_by_code(norm)
    if found is None:
        raise ItemNotFound(code=norm)
    return found


def location(code_or_location) -> Location:
    """The location itself when handed one, else by its code; raises LocationNotFound."""
    return code_or_location if isinstance(code_or_location, Location) else Location.by_code(code_or_location)


def person(code_or_person) -> Person:
    """The person itself when handed one, else by badge code; raises PersonNotFound."""
    return code_or_person if isinstance(code_or_person, Person) else Person.by_badge(code_or_person)
