"""Languages: zh_CN and English; the user's choice sticks (session, then account, then browser)."""
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import request, session
from flask_babel import format_date, format_datetime, get_locale, gettext
from flask_login import current_user

from .custody.vocab import REGISTRY, Code, Codes
from .extensions import babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


_LOCALES: dict[str, Locale] = {}


def select_locale() -> Locale:
    """The request's locale as a parsed babel Locale (Flask-Babel would parse a string on every request)."""
    code = _select_locale_code()
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)  # zh_CN → zh_Hans_CN, as Flask-Babel's own parse
    return locale


def _select_locale_code() -> str:
    langs = _languages()
    chosen = session.get("lang")
    if chosen in langs:
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        from flask import g

        # an API token's caller states its language per request; the account's choice is the fallback
        if g.get("auth_via_token") and (asked := _best_match(langs)):
            return asked
        if current_user.locale in langs:
            return current_user.locale
    return _best_match(langs) or langs[0] if request else langs[0]


def _best_match(langs: list[str]) -> str | None:
    # parsing Accept-Language costs more than the rest of the choice; a handheld sends the same header each time
    return _match_header(request.headers.get("Accept-Language", ""), tuple(langs))


@lru_cache(maxsize=256)
def _match_header(header: str, langs: tuple[str, ...]) -> str | None:
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(header, LanguageAccept).best_match(langs)


def _languages() -> list[str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def current_lang() -> str:
    """The UI language code of this request: 'zh_CN' or 'en'."""
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


def translate(template: str, params: dict | None = None, translatable=()) -> str:
    """A domain message (msgid + parameters) in the user's language: the one place messages are translated.

    A parameter that is a stored code (vocab.Code) is shown by its translated name; parameters named in
    `translatable` are msgids themselves (field names) and are translated too."""
    shown = {}
    for name, value in (params or {}).items():
        if isinstance(value, Code):
            value = gettext(value.msgid)
        elif name in translatable and isinstance(value, str):
            value = gettext(value)
        elif name in translatable and isinstance(value, tuple):
            # a list of msgids, or of (name msgid, reason msgid) pairs: each translated, joined
            value = "; ".join(f"{gettext(v[0])} ({gettext(v[1])})" if isinstance(v, tuple) else gettext(v)
                              for v in value)
        shown[name] = value
    return gettext(template, **shown) if shown else gettext(template)


def translate_error(err) -> str:
    """A CustodyError's (or an import RowError's) message in the user's language."""
    return translate(err.template, err.params, getattr(err, "translatable", ()))


def code_name(codes: "Codes | str", code) -> str:
    """A stored code's name in the user's language (`codes` is a code set or its registry name).

    An unknown code is shown as it is stored (never an error: old rows may hold retired codes)."""
    if code in (None, ""):
        return ""
    if isinstance(codes, str):
        codes = REGISTRY[codes]
    msgid = codes.msgid(code)
    return gettext(msgid) if msgid != code or code in codes else str(code)


def code_names(codes: "Codes | str") -> dict[str, str]:
    """{code: translated name} for a whole set, translated once (pages that name many rows)."""
    return dict(code_choices(codes))


def code_choices(codes: "Codes | str") -> list[tuple[str, str]]:
    """(code, translated name) for every code of a set, in declaration order (select boxes)."""
    if isinstance(codes, str):
        codes = REGISTRY[codes]
    return [(code, gettext(msgid)) for code, msgid in codes.items()]


def init_app(app) -> None:
    # one catalog per area (core, scan, labels, …), merged at run time
    dirs = sorted(str(p) for p in TRANSLATIONS.iterdir() if p.is_dir()) if TRANSLATIONS.is_dir() else []
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(dirs) or str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=site_timezone)
    app.jinja_env.globals.update(current_lang=current_lang, get_locale=get_locale, format_datetime=format_datetime,
                                 format_date=format_date, code_choices=code_choices)
    # {{ item.state|coded("item_state") }}: a stored code shown by its translated name (app/custody/vocab.py)
    app.jinja_env.filters["coded"] = lambda code, codes: code_name(codes, code)


def site_timezone() -> str:
    """The site's time zone (times are stored in UTC and shown in this zone)."""
    from flask import current_app, g

    tz = g.get("site_tz")
    if tz is None:
        from .custody.models import Site

        tz = g.site_tz = Site.timezone_name(default=current_app.config["SITE_TIMEZONE"])
    return tz
