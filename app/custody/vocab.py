"""Stored code sets, each declared once in its area with its translatable names.

    STATES = Codes("item_state", in_storage=N_("In storage"), out=N_("Out of storage"))

A code set is an ordered mapping code → English msgid. The domain never translates (no Flask below
app/custody); pages, filters, the API's validation and the OpenAPI enums read the set, and the web
layer shows the translated name (app.i18n.code_name, the Jinja filter `coded`). Every set registers
itself in REGISTRY so a test can walk every code the domain can store.

A few columns take codes from several areas (alert kinds, event kinds, admin-log actions): the core
declares the set with `extensible=True` and an area adds its own codes to it, in its codes.py:

    ALERT_KINDS = Codes("media_alert_kind", extends=core_codes.ALERT_KINDS, seal_broken=N_("Seal found broken"))

The extended set then holds every area's codes (each area's codes.py is imported on first use).

A message parameter that is a code carries its set (`WEEKDAYS.coded("mon")`), so the message shows
the code's name in the reader's language, never the raw code.
"""
from collections.abc import Iterator, Mapping


def N_(msgid: str) -> str:
    """Mark a string for translation where it is declared; it is translated where it is shown."""
    return msgid


REGISTRY: dict[str, "Codes"] = {}


def english(template: str, params: dict) -> str:
    """A message in English (logs, the CLI): codes by their English names; the template if it does not fit."""
    shown = {k: (v.msgid if isinstance(v, Code) else v) for k, v in params.items()}
    try:
        return template % shown if shown else template
    except (KeyError, TypeError, ValueError):
        return template


_AREAS_LOADED = False


def load_areas() -> None:
    """Import every area's codes module (app/custody/<area>/codes.py) once, so extended sets are whole."""
    global _AREAS_LOADED
    if _AREAS_LOADED:
        return
    _AREAS_LOADED = True
    import importlib
    import pkgutil
    from pathlib import Path

    import app.custody as domain

    for info in pkgutil.iter_modules(domain.__path__):
        if info.ispkg and (Path(info.module_finder.path) / info.name / "codes.py").exists():
            importlib.import_module(f"{domain.__name__}.{info.name}.codes")


def all_sets() -> dict[str, "Codes"]:
    """Every code set the domain declares: imports each module of app.custody once, then REGISTRY."""
    import importlib
    import pkgutil

    import app.custody as domain

    for info in pkgutil.walk_packages(domain.__path__, domain.__name__ + "."):
        importlib.import_module(info.name)
    return REGISTRY


class Code(str):
    """A stored code that knows its set: a message parameter shown by its name, not the code."""

    codes: "Codes"

    def __new__(cls, value: str, codes: "Codes"):
        self = super().__new__(cls, value)
        self.codes = codes
        return self

    @property
    def msgid(self) -> str:
        """The English name (msgid) of this code."""
        return self.codes.msgid(str(self))


class Codes(Mapping):
    """An ordered, immutable set of stored codes with their display msgids."""

    def __init__(self, name: str, *, extensible: bool = False, extends: "Codes | None" = None, **names: str):
        if name in REGISTRY:
            raise ValueError(f"code set {name!r} declared twice")
        self.name = name
        self._own = dict(names)
        self._extensible = extensible
        self._parts: list[Codes] = []
        self.extends = extends
        if extends is not None:
            if not extends._extensible:
                raise ValueError(f"code set {extends.name!r} cannot be extended")
            clash = set(self._own).intersection(extends._own, *(p._own for p in extends._parts))
            if clash:
                raise ValueError(f"{sorted(clash)} already declared in {extends.name!r}")
            extends._parts.append(self)
        REGISTRY[name] = self

    @property
    def _names(self) -> dict[str, str]:
        if not self._extensible:
            return self._own
        load_areas()
        merged = dict(self._own)
        for part in self._parts:
            merged.update(part._own)
        return merged

    def __getitem__(self, code: str) -> str:
        return self._names[code]

    def __contains__(self, code) -> bool:
        return code in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"Codes({self.name!r}, {list(self._names)})"

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other) -> bool:
        return self is other

    @property
    def values_tuple(self) -> tuple[str, ...]:
        """The codes in declaration order (for choices, enums and `IN` checks)."""
        return tuple(self._names)

    def msgid(self, code: str) -> str:
        """The English msgid of a code; the code itself when unknown (never raises)."""
        return self._names.get(code, code)

    def coded(self, code: str) -> Code:
        """The code as a message parameter that is shown by its translated name."""
        return Code(code, self)

    def check(self, code: str) -> str:
        """The code itself; raises ValueError if it is not in the set (a programming error, not input)."""
        if code not in self._names:
            raise ValueError(f"{code!r} is not a code of {self.name!r}: declare it where the set is declared")
        return code
