"""Languages: zh_CN and English; the user's choice sticks (session, then account, then browser)."""
from functools import lru_cache
from pathlib import Path

from babel import Locale
from flask import request, session
from flask_babel import format_date, format_datetime, get_locale, gettext
from flask_login import current_user

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


def translate_error(err) -> str:
    """A CustodyError's message in the user's language."""
    from .web.names import display_name

    params = dict(err.params)
    for name in getattr(err, "translatable", ()):
        if name in params and isinstance(params[name], tuple):
            # a list of (code msgid, reason msgid) pairs or of msgids, shown translated and joined
            params[name] = "; ".join(
                f"{gettext(v[0])} ({gettext(v[1])})" if isinstance(v, tuple) else gettext(v)
                for v in params[name])
        elif name in params:
            params[name] = display_name(params[name])
    return gettext(err.template, **params) if params else gettext(err.template)


def init_app(app) -> None:
    # one catalog per area (core, scan, labels, …), merged at run time
    dirs = sorted(str(p) for p in TRANSLATIONS.iterdir() if p.is_dir()) if TRANSLATIONS.is_dir() else []
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(dirs) or str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=site_timezone)
    app.jinja_env.globals.update(current_lang=current_lang, get_locale=get_locale, format_datetime=format_datetime, format_date=format_date)


def site_timezone() -> str:
    """The site's time zone (times are stored in UTC and shown in this zone)."""
    from flask import current_app, g

    tz = g.get("site_tz")
    if tz is None:
        from .custody.models import Site

        site = Site.select(Site.timezone).first()
        tz = g.site_tz = site.timezone if site else current_app.config["SITE_TIMEZONE"]
    return tz
