"""`custody import items FILE` / `custody import people FILE`: check a whole file, then import it or nothing."""
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext

from .custody.imports import MAX_ERRORS, existing_choices, run_import
from .custody.models import User
from .db import db
from .i18n import translate_error


def _default_lang() -> str:
    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "zh_CN" if lang.lower().startswith("zh") else "en"


class _Bars:
    """One click progress bar per phase (checking, importing), fed absolute counts."""

    def __init__(self, labels: dict[str, str], enabled: bool):
        self.labels, self.enabled = labels, enabled
        self.phase, self.bar, self.done = None, None, 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
            self.bar = click.progressbar(length=max(total or 0, done, 1), label=self.labels[phase],
                                         show_pos=True, file=sys.stderr)
            self.bar.__enter__()
        if total is not None:
            self.bar.length = max(total, done, 1)
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _translate(error) -> str:
    return translate_error(error)


def _run(kind: str, file: Path, dry_run: bool, username: str | None, lang: str | None, quiet: bool,
         existing: str = "error") -> None:
    lang = lang or _default_lang()
    with db.connection_context(), force_locale(lang):
        user = None
        if username:
            user = User.get_or_none(User.username == username)
            if user is None:
                raise click.ClickException(gettext("No such user: %(name)s", name=username))
        bars = _Bars({"validate": gettext("Checking"), "import": gettext("Importing")},
                     enabled=not quiet)
        try:
            result = run_import(file, kind, user=user, dry_run=dry_run, progress=bars, existing=existing)
        finally:
            bars.close()
        for error in result.errors:
            where = gettext("line %(n)s", n=error.line) if error.line else gettext("file")
            click.echo(gettext("%(where)s: %(reason)s", where=where, reason=_translate(error)), err=True)
        if result.error_count > len(result.errors):
            click.echo(gettext("… and %(n)s more errors (only the first %(max)s are listed).",
                               n=result.error_count - len(result.errors), max=MAX_ERRORS), err=True)
        if not result.ok:
            click.echo(gettext("%(n)s errors in %(file)s: nothing was imported. Correct the file and run the "
                               "import again.", n=result.error_count, file=file.name), err=True)
            sys.exit(1)
        if result.ignored_columns:
            click.echo(gettext("Columns not recognised and ignored: %(columns)s",
                               columns=", ".join(result.ignored_columns)))
        if result.skipped:
            click.echo(gettext("%(n)s rows already registered were skipped.", n=result.skipped))
        if existing == "update":
            click.echo(gettext("Will add %(a)s, update %(u)s; %(s)s unchanged.", a=result.added,
                               u=result.updated, s=result.unchanged) if dry_run else
                       gettext("Added %(a)s, updated %(u)s; %(s)s unchanged.", a=result.added, u=result.updated,
                               s=result.unchanged))
            for line, code, changes in result.changes:
                click.echo(gettext("line %(n)s", n=line) + f" {code}: " + "; ".join(
                    f"{name}: {old if old not in (None, '') else '—'} → {new}" for name, (old, new) in changes.items()))
        if dry_run:
            click.echo(gettext("%(n)s rows checked: no errors. Nothing was imported (dry run).", n=result.rows))
        elif kind == "items":
            click.echo(gettext("Imported %(n)s items from %(file)s (%(g)s codes generated).",
                               n=result.imported, file=file.name, g=result.generated))
        else:
            click.echo(gettext("Imported %(n)s people from %(file)s (%(g)s badge codes generated). Their badges "
                               "stay pending until the security officer vets them.",
                               n=result.imported, file=file.name, g=result.generated))


def _options(command):
    command = click.option("--quiet", is_flag=True, help="No progress bar.")(command)
    command = click.option("--lang", type=click.Choice(["en", "zh_CN"]), default=None,
                           help="Language of the messages (default: from LANG).")(command)
    command = click.option("--user", "username", default=None,
                           help="Record the import in the admin log under this account.")(command)
    command = click.option("--dry-run", is_flag=True, help="Check the whole file; import nothing.")(command)
    command = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)
    return command


@click.group("import")
def import_group():
    """Import a catalogue (items) or a staff list (people) from .xlsx or .csv."""


@import_group.command("items")
@_options
@with_appcontext
@click.option("--existing", type=click.Choice(existing_choices("items")), default="error",
              help="Rows already registered: refuse the file (error), leave them out (skip), or update their "
                   "catalogue fields (update).")
def import_items(file, dry_run, username, lang, quiet, existing):
    """Import volumes, media and devices; columns: code/编号, archive_no/档号, title/题名, pages/页数,
    kind/类型, tag/RFID标签, location/位置 (see the README, "Importing the catalogue")."""
    _run("items", file, dry_run, username, lang, quiet, existing)


@import_group.command("people")
@_options
@with_appcontext
@click.option("--existing", type=click.Choice(existing_choices("people")), default="error",
              help="Rows already registered: refuse the file (error) or leave them out (skip).")
def import_people(file, dry_run, username, lang, quiet, existing):
    """Import staff; columns: name/姓名, organisation/单位, badge_code/工牌号, tag/RFID标签, position/职务,
    org_kind (see the README, "Importing the catalogue"). Badges start pending."""
    _run("people", file, dry_run, username, lang, quiet, existing)
