"""Stored code sets, each declared once in its area with its translatable names.

    STATES = Codes("item_state", in_storage=N_("In storage"), out=N_("Out of storage"))

A code set is an ordered mapping code → English msgid. The domain never translates (no Flask below
app/custody); pages, filters, the API's validation and the OpenAPI enums read the set, and the web
layer shows `gettext(codes[code])` (app/web/names.py). Every set registers itself in REGISTRY so a test
can walk every code the domain can store.
"""
from collections.abc import Iterator, Mapping


def N_(msgid: str) -> str:
    """Mark a string for translation where it is declared; it is translated where it is shown."""
    return msgid


REGISTRY: dict[str, "Codes"] = {}


class Codes(Mapping):
    """An ordered, immutable set of stored codes with their display msgids."""

    def __init__(self, name: str, **names: str):
        if name in REGISTRY:
            raise ValueError(f"code set {name!r} declared twice")
        self.name = name
        self._names = dict(names)
        REGISTRY[name] = self

    def __getitem__(self, code: str) -> str:
        return self._names[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"Codes({self.name!r}, {list(self._names)})"

    @property
    def values_tuple(self) -> tuple[str, ...]:
        """The codes in declaration order (for choices, enums and `IN` checks)."""
        return tuple(self._names)

    def msgid(self, code: str) -> str:
        """The English msgid of a code; the code itself when unknown (never raises)."""
        return self._names.get(code, code)
