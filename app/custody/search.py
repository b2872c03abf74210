"""Finding items and people from one search box: codes, archive numbers written with any separator
("J012-WS.2018-Y-0003", "J012-WS 2018" find "J012-WS·2018-Y-0003"), titles, names, badges."""
import re

from peewee import JOIN, Case

from .codes import normalize_scan
from .models import Item, Location, Person

# archive numbers are free text: 档号 separators vary (· . - _ / space, full-width forms); runs of letters,
# digits and CJK characters are what the number is ("J012WS" is J, 012, WS)
_PARTS = re.compile(r"[0-9]+|[A-Za-z]+|[\u3400-\u9fff]+")


def archive_pattern(text: str) -> str | None:
    """A LIKE pattern matching the archive number's letters and digits in order with any separators between."""
    parts = _PARTS.findall(text or "")
    return "%" + "%".join(parts) + "%" if parts else None


def find_items(text: str, limit: int = 50) -> list[Item]:
    """Items whose code is (or starts with) the text, whose archive number matches it with any separators,
    or whose title contains it; exact code first."""
    text = (text or "").strip()
    if not text:
        return []
    code = normalize_scan(text)
    cond = (Item.code == code) | Item.code.startswith(code) | (Item.title ** f"%{text}%")
    if (pattern := archive_pattern(text)) is not None:
        cond |= Item.archive_no ** pattern
    query = (Item.select(Item, Location).join(Location, JOIN.LEFT_OUTER, on=(Item.location == Location.id))
             .where(cond).order_by(Case(None, [(Item.code == code, 0)], 1), Item.code).limit(limit))
    return list(query)


def find_people(text: str, limit: int = 20) -> list[Person]:
    """People whose badge is (or starts with) the text, or whose name contains it; exact badge first."""
    text = (text or "").strip()
    if not text:
        return []
    badge = normalize_scan(text)
    cond = (Person.badge_code == badge) | Person.badge_code.startswith(badge) | Person.name.contains(text)
    return list(Person.select().where(cond).order_by(Case(None, [(Person.badge_code == badge, 0)], 1), Person.name)
                .limit(limit))
