"""What each read's tag names: RFID tags in one query per batch, decimal IDs, barcodes through app.custody.lookup."""
from ..lookup import Resolved, resolve
from ..models import Item, Person, Tag
from .batch import ReadIn


def key(row: ReadIn) -> tuple[str, str]:
    """The (scheme, tag) a read is resolved by (RFID tags upper-case)."""
    return (row.scheme, row.tag.upper() if row.scheme in ("em4100", "epc") else row.tag)


def resolve_all(rows: list[ReadIn]) -> dict[tuple[str, str], Resolved]:
    """Resolve every distinct (scheme, tag) of a batch with as few queries as possible."""
    out: dict[tuple[str, str], Resolved] = {}
    rfid = {r.tag.upper() for r in rows if r.scheme in ("em4100", "epc")}
    if rfid:
        bound = list(Tag.select(Tag.tag, Tag.item, Tag.person).where(Tag.tag.in_(sorted(rfid))).tuples())
        item_ids = {i for _t, i, _p in bound if i}
        person_ids = {p for _t, i, p in bound if p and not i}
        # only the columns the rules read: building full rows is most of a batch's Python time
        items = {i.id: i for i in Item.select(Item.id, Item.code, Item.kind, Item.state, Item.location,
                                              Item.holder, Item.last_event_id, Item.state_since).where(Item.id.in_(item_ids))} if item_ids else {}
        people = {p.id: p for p in Person.select(Person.id, Person.name, Person.badge_code, Person.badge_status,
                                                 Person.valid_from, Person.valid_until)
                  .where(Person.id.in_(person_ids))} if person_ids else {}
        for tag, item_id, person_id in bound:
            res = Resolved("item", item=items[item_id]) if item_id else Resolved("person", person=people[person_id])
            for scheme in ("em4100", "epc"):
                out[(scheme, tag)] = res
    for row in rows:
        k = key(row)
        if k in out:
            continue
        if row.scheme in ("em4100", "epc"):
            out[k] = Resolved()
        elif row.scheme == "em-decimal":
            out[k] = _resolve_decimal(row.tag)
        else:
            out[k] = resolve(row.tag, visitors=True)
    return out


def _resolve_decimal(digits: str) -> Resolved:
    # 8H10D: the decimal is the EM4100 ID without its version byte (READERS.md §1.1)
    if not digits.isdigit() or int(digits) > 0xFFFFFFFF:
        return Resolved()
    suffix = f"{int(digits):08X}"
    matches = list(Tag.select().where(Tag.tag.endswith(suffix)).limit(2))
    if len(matches) != 1 or len(matches[0].tag) != 10:
        return Resolved()
    tag = matches[0]
    return Resolved("item", item=tag.item) if tag.item_id else Resolved("person", person=tag.person)
