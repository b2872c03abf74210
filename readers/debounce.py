"""Pure debouncing: per tag per reader, with a monotonic clock; shelf presence by inventory cycle."""


class Debouncer:
    """accept(tag, t) is True for a new read; repeats while the tag keeps being seen are suppressed.

    A tag counts as new again once it has not been seen for `window` seconds (RFID readers repeat a
    tag in the field 1–2 times a second; UHF inventories every round). Different tags never
    suppress each other: two boxes passing together are two reads.
    """

    def __init__(self, window: float, max_tags: int = 10000):
        self.window = float(window)
        self.max_tags = max_tags
        self.last_seen: dict[str, float] = {}

    def accept(self, tag: str, t: float) -> bool:
        """Record a sighting at monotonic time t; True if it is a new read."""
        last = self.last_seen.get(tag)
        self.last_seen[tag] = t
        if len(self.last_seen) > self.max_tags:
            self.forget_before(t - self.window)
        return last is None or t - last > self.window

    def forget_before(self, t: float) -> None:
        """Drop tags last seen before t (keeps the table bounded)."""
        self.last_seen = {k: v for k, v in self.last_seen.items() if v >= t}


class ShelfPresence:
    """What is on a shelf: a tag arrives when first seen, departs after `missed_cycles` cycles unseen.

    One missing repeat is not a departure (an RDM6300 may pause; a UHF round may miss a tag).
    """

    def __init__(self, missed_cycles: int = 3):
        if missed_cycles < 1:
            raise ValueError("missed_cycles must be at least 1")
        self.missed_cycles = missed_cycles
        self.present: dict[str, int] = {}  # tag → consecutive cycles not seen
        self.seen_this_cycle: set[str] = set()

    def see(self, tag: str) -> bool:
        """A sighting during the current cycle; True if the tag has just arrived."""
        self.seen_this_cycle.add(tag)
        if tag in self.present:
            self.present[tag] = 0
            return False
        self.present[tag] = 0
        return True

    def end_cycle(self) -> list[str]:
        """Close the cycle; return the tags that have now departed."""
        departed = []
        for tag in list(self.present):
            if tag in self.seen_this_cycle:
                continue
            self.present[tag] += 1
            if self.present[tag] >= self.missed_cycles:
                del self.present[tag]
                departed.append(tag)
        self.seen_this_cycle = set()
        return departed
