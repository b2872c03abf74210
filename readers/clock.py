"""The reader daemon's one clock: this box's real time, stamped on every read.

The daemon is a separate program (often on another machine): it reports when a tag was seen, as
measured by its own clock, and the server judges that stamp (a read "in the future" is refused, a
late one is flagged). So it is never faked. Waits and timeouts use time.monotonic(), not this.
"""
from datetime import UTC, datetime


def now() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)
