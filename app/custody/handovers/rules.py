"""Pure handover rules: no database, no Flask."""
import re
from dataclasses import dataclass

from .codes import SIDE_ORG
from .errors import SamePersonError, WrongOrganisationError

_SPLIT = re.compile(r"[\s,;，；、]+")
_RANGE_MARK = re.compile(r"\s*(~|～|\.\.|—|至)\s*")
_RANGE = re.compile(r"^(.*?)\s*(?:~|～|\.\.|—|至)\s*(.*?)$")
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")
MAX_RANGE = 5000


def side_org(direction: str, side: str) -> str:
    """The organisation kind (archive | service) that acts for a side of a handover in this direction."""
    return SIDE_ORG[(direction, side)]


def ensure_org(person, direction: str, side: str) -> None:
    """Raise WrongOrganisationError unless the person belongs to the organisation of this side."""
    org = side_org(direction, side)
    if person.org_kind != org:
        template = WrongOrganisationError.template if org == "archive" else WrongOrganisationError.SERVICE
        raise WrongOrganisationError(template, name=person.name)


def ensure_two_people(person, other_person_id: int | None) -> None:
    """Raise SamePersonError when the person already confirmed the other side."""
    if other_person_id is not None and person.id == other_person_id:
        raise SamePersonError()


def differences(line, outgoing=None) -> list[str]:
    """What differs on a handover line (codes.DIFFERENCES), compared with its outgoing line when given."""
    found = []
    sent, received = bool(line.from_condition), bool(line.to_condition)
    if sent and not received:
        return ["missing"]
    if received and not sent:
        return ["extra"]
    if line.from_pages != line.to_pages:
        found.append("pages")
    if line.from_condition != line.to_condition:
        found.append("condition")
    if outgoing is not None and received:
        if outgoing.from_pages is not None and line.to_pages != outgoing.from_pages:
            found.append("changed_pages")
        if line.to_condition != outgoing.from_condition:
            found.append("changed_condition")
    return found


def is_included(line) -> bool:
    """A line whose volume changes hands on confirmation: both sides scanned it."""
    return bool(line.from_condition) and bool(line.to_condition)


def parse_entries(text: str) -> list[str]:
    """A pasted list as entries (separated by new lines, spaces, , ; 、); "A ~ B" stays one range entry."""
    out = []
    for chunk in _SPLIT.split(_RANGE_MARK.sub(r"\1", text or "")):
        chunk = chunk.strip()
        if chunk:
            out.append(chunk)
    return out


def expand_range(entry: str) -> list[str] | None:
    """The archive numbers of a range "J1-0001 ~ J1-0050" (same prefix, numbered end), else None."""
    match = _RANGE.match(entry)
    if not match or not match.group(1) or not match.group(2):
        return None
    first, last = _TRAILING_DIGITS.match(match.group(1)), _TRAILING_DIGITS.match(match.group(2))
    if not first or not last or first.group(1) != last.group(1):
        return None
    start, end, width = int(first.group(2)), int(last.group(2)), len(first.group(2))
    if end < start or end - start >= MAX_RANGE:
        return None
    return [f"{first.group(1)}{n:0{width}d}" for n in range(start, end + 1)]


@dataclass
class Totals:
    volumes: int
    pages: int
    damaged: int


def totals(lines) -> Totals:
    """Volumes, pages and damaged volumes of the lines that change hands (both sides scanned)."""
    included = [line for line in lines if line.from_condition and line.to_condition]
    return Totals(len(included), sum(line.to_pages or 0 for line in included),
                  sum(1 for line in included if line.to_condition != "intact"))
