"""The overnight report of one night, and the board's chart series — both read from the log (no Flask)."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .. import clock
from ..models import Alert, Event, Item, Location, Person, Site, SweepRun
from ..models.places import STORAGE_KINDS
from .calendar import Night, night_of
from .sweep import Snapshot, _chunks, _fill_last_events, _locations, states_at

MAX_EVENTS_SHOWN = 12


@dataclass
class ReportRow:
    item: Item
    snapshot: Snapshot
    holder: Person | None
    location: Location | None
    alert: Alert | None
    since: list[Event] = field(default_factory=list)  # what happened after the cutoff
    returned_at: datetime | None = None
    nights_out: int = 1


@dataclass
class NightReport:
    site: Site
    night: Night
    run: SweepRun | None
    rows: list[ReportRow]
    quarantined: list[ReportRow]
    generated_at: datetime
    checkpoint: object = None  # the night's sealed checkpoint (seal.Checkpoint), None until sealed
    key_fingerprint: str | None = None  # the seal's public key fingerprint

    @property
    def returned_late(self) -> int:
        return sum(1 for r in self.rows if r.returned_at is not None)

    @property
    def still_out(self) -> int:
        return sum(1 for r in self.rows if r.item.state == "out" and r.returned_at is None)


def night_report(site: Site, night: date) -> NightReport:
    """Every volume outside storage at the night's cutoff and what has happened to it since."""
    n = night_of(site, night)
    locs = _locations()
    snaps = states_at(site, n.cutoff_at, locations=locs)
    _fill_last_events(list(snaps.values()))
    ids = list(snaps)
    items, people, places, alerts_by_item, later = {}, {}, {}, {}, {}
    for chunk in _chunks(ids):
        items.update({i.id: i for i in Item.select(Item.id, Item.code, Item.archive_no, Item.state)
                      .where(Item.id.in_(chunk))})
        for a in (Alert.select(Alert.id, Alert.item, Alert.night, Alert.status, Alert.is_auto_resolved,
                               Alert.resolution).where((Alert.item.in_(chunk)) & (Alert.kind == "overnight")
                                       & ((Alert.night == night) | ((Alert.night < night)
                                                                    & (Alert.status != "resolved"))))
                  .order_by(Alert.night)):
            alerts_by_item.setdefault(a.item_id, a)
        for e in (Event.select(Event.id, Event.item, Event.at, Event.kind, Event.note)
                  .where((Event.item.in_(chunk)) & (Event.at > n.cutoff_at))
                  .order_by(Event.at, Event.id)):
            later.setdefault(e.item_id, []).append(e)
    person_ids = {s.holder_id for s in snaps.values() if s.holder_id}
    for chunk in _chunks(person_ids):
        people.update({p.id: p for p in Person.select(Person.id, Person.name).where(Person.id.in_(chunk))})
    places = {loc.id: loc for loc in Location.select(Location.id, Location.name, Location.code)}
    rows, quarantined = [], []
    for item_id, s in snaps.items():
        alert = alerts_by_item.get(item_id)
        row = ReportRow(items[item_id], s, people.get(s.holder_id), places.get(s.location_id), alert,
                        later.get(item_id, [])[:MAX_EVENTS_SHOWN], s.returned_at,
                        (night - alert.night).days + 1 if alert is not None and alert.night else 1)
        (rows if s.state == "out" else quarantined).append(row)
    key = lambda r: (r.holder.name if r.holder else "", r.item.code)  # noqa: E731
    run = SweepRun.get_or_none((SweepRun.site == site.id) & (SweepRun.night == night))
    from .. import seal

    return NightReport(site, n, run, sorted(rows, key=key), sorted(quarantined, key=key), clock.now(),
                       seal.checkpoint_for_night(n.cutoff_at), seal.public_key_fingerprint())


def out_through_days(site: Site, *, days: int = 7, step_minutes: int = 60,
                     now: datetime | None = None) -> tuple[list[datetime], list[int]]:
    """Volumes outside storage at every step over the last `days` days.

    Walks back from the current count (an index count) through the window's events: each event moved a
    volume from its src to its dst, so it changed the count by (dst outside storage) − (src outside).
    One pass over the window's events; no per-item history is read.
    """
    now = now or clock.now()
    start = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    locs = _locations()

    def outside(location_id) -> int:
        loc = locs.get(location_id)
        return int(loc is not None and loc[0] == site.id and loc[1] not in STORAGE_KINDS)

    current = sum(outside(loc) for (loc,) in Item.select(Item.location)
                  .where((Item.kind == "volume") & (Item.state.in_(("out", "quarantined")))).tuples())
    deltas = [(at, outside(dst) - outside(src)) for at, src, dst in (
        Event.select(Event.at, Event.src, Event.dst).join(Item, on=(Event.item == Item.id))
        .where((Event.at > start) & (Event.at <= now) & (Item.kind == "volume"))
        .order_by(Event.at.desc(), Event.id.desc()).tuples())]
    step = timedelta(minutes=step_minutes)
    samples = []
    t = start
    while t <= now:
        samples.append(t)
        t += step
    counts = [0] * len(samples)
    count, k = current, 0
    for i in range(len(samples) - 1, -1, -1):  # newest sample first: undo the events after it
        while k < len(deltas) and deltas[k][0] > samples[i]:
            count -= deltas[k][1]
            k += 1
        counts[i] = count
    return samples, counts


def unreturned_per_night(site: Site, *, nights: int = 30, now: datetime | None = None) -> list[tuple]:
    """(night, unreturned at the cutoff, returned late, swept?) for the last `nights` nights, oldest first."""
    from .calendar import night_for_moment

    now = now or clock.now()
    last = night_for_moment(site, now)
    first = last - timedelta(days=nights - 1)
    runs = {r.night: r for r in SweepRun.select().where((SweepRun.site == site.id) & (SweepRun.night >= first)
                                                         & (SweepRun.night <= last))}
    out = []
    for k in range(nights):
        night = first + timedelta(days=k)
        run = runs.get(night)
        if run is not None and run.status == "done":
            out.append((night, run.unreturned, run.returned_late, True))
        else:
            out.append((night, None, None, False))
    return out
