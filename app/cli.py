"""The `custody` command line: parse arguments → call a service → echo."""
import copy
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, ScriptInfo, with_appcontext

from .custody.models import User
from .db import db, is_sqlite


def _create_app(*_args, **_kwargs):
    from . import create_app

    return create_app()


class CustodyGroup(FlaskGroup):
    """Flask's command group, except that a missing setting (CUSTODY_SECRET_KEY) is one line saying what to
    set and exit status 2, not Flask's two tracebacks."""

    def _app_or_exit(self, ctx: click.Context) -> None:
        from .config import ConfigError

        try:
            ctx.ensure_object(ScriptInfo).load_app()
        except ConfigError as err:
            click.echo(f"custody: {err}", err=True)
            ctx.exit(2)

    def list_commands(self, ctx):
        """The commands (loading the app for its own commands), or the missing setting and exit."""
        self._app_or_exit(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        """The command; one that needs the app first checks that the app can start."""
        if click.Group.get_command(self, ctx, name) is None:  # not a command that works without the app
            self._app_or_exit(ctx)
        return super().get_command(ctx, name)


@click.group(cls=CustodyGroup, create_app=_create_app, add_version_option=False, add_default_commands=True)
def main():
    """Custody tracker for archive digitization sites."""


@click.command("init-db")
@click.option("--algorithms", type=click.Choice(["default", "national"]), default=None,
              help="How the log is sealed: default (SHA-256 chains, Ed25519 signatures) or national (SM3 "
                   "chains, SM2 signatures; needs custody[national]). Chosen once: a site whose log has rows "
                   "keeps its set. Without it, the recorded set is kept (default on a new site).")
@with_appcontext
def init_db_command(algorithms):
    """Create the database and apply pending migrations (safe to run again)."""
    from .custody import seal, signing, suites
    from .custody.errors import CustodyError
    from .custody.migrate import initialize

    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)

    with db.connection_context():
        try:
            done = initialize(db.obj, suites.CHOICES[algorithms] if algorithms else None)
        except CustodyError as err:
            raise click.ClickException(err.message) from None
    if done.made_key:
        click.echo(f"Made the site's signing key ({done.algorithm}): {signing.private_path(current_app.instance_path)} "
                   f"(fingerprint {seal.public_key_fingerprint()})")
    if done.applied:
        click.echo(f"Applied {len(done.applied)} migration(s): {', '.join(done.applied)}")
    else:
        click.echo("The database is up to date.")
    if done.checkpoint is not None:
        click.echo(f"Sealed both logs in checkpoint #{done.checkpoint.id} ({seal.short_code(done.checkpoint)}) "
                   f"with {done.algorithm}.")


@click.command("seal-log")
@with_appcontext
def seal_log_command():
    """Seal both log chains' heads now in a checkpoint signed with the seal key."""
    from .custody import clock, seal

    with db.connection_context():
        try:
            cp = seal.seal(clock.now(), reason="manual")
        except seal.SealKeyMissingError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"Sealed checkpoint #{cp.id} at {cp.at:%Y-%m-%d %H:%M:%S} UTC: custody log row {cp.event_last_id}, "
               f"admin log row {cp.audit_last_id}.")
    click.echo(f"Code {seal.short_code(cp)} · key fingerprint {seal.public_key_fingerprint()}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help="operator, archivist, supervisor, security_officer, "
              "auditor or administrator; repeat for several (at most one privileged role).")
@click.option("--badge", default=None, help="Link the account to the person with this badge code.")
@click.password_option(prompt="Password", help="At least 10 characters; prompted when not given.")
@with_appcontext
def create_user_command(username, roles, badge, password):
    """Create a login account."""
    from .custody import accounts
    from .custody.errors import CustodyError
    from .custody.models import Person

    with db.connection_context():
        try:
            person = Person.by_badge(badge) if badge else None
            user = accounts.create_user(username, password, roles, by=None, person=person)
        except CustodyError as err:
            raise click.ClickException(err.message) from None
        # user.roles reads the database: echo before the connection closes
        click.echo(f"Created user {user.username} with roles: {', '.join(sorted(user.roles)) or '(none)'}")


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
@with_appcontext
def create_token_command(username, name):
    """Create a personal API token for USERNAME; it is shown once."""
    from .custody import accounts

    with db.connection_context():
        user = User.get_or_none(User.username == username)
        if user is None:
            raise click.ClickException(f"No such user: {username}")
        _token, secret = accounts.create_token(user, name, by=None)
    click.echo(secret)
    click.echo("Store this token now: it is not shown again.", err=True)


@click.command("verify-log")
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="The seal's public key file (default: the one exported beside the seal key).")
@click.option("--paper", default=None, metavar="TEXT",
              help="Also check a checkpoint read from a printed report's QR code.")
@with_appcontext
def verify_log_command(public_key, paper):
    """Check both log chains, their seal signatures and every signed checkpoint; exit 1 naming the first bad row."""
    from .custody import seal
    from .custody.errors import CustodyError

    with db.connection_context():
        try:
            key = seal.load_public_key(public_key.read_bytes() if public_key else None)
            report = seal.verify(key)
            paper_result = seal.verify_paper(paper, key) if paper else None
        except ValueError as err:
            raise click.ClickException(f"Not a public key: {err}") from None
        except CustodyError as err:  # a national site's log without tongsuopy installed
            raise click.ClickException(err.message) from None
    click.echo(f"algorithms: {report.algorithm} (the site's record; every checkpoint names it)")
    for name, label in (("event", "custody log"), ("audit", "admin log")):
        r = report.chains[name]
        if r.ok:
            signed = f", {r.signed} rows signed" if report.sealed else ""
            click.echo(f"{label}: intact ({r.rows} rows){signed}")
        else:
            detail = f" [{r.detail}]" if r.detail else ""
            click.echo(f"{label}: BROKEN at row {r.first_bad_id}: {seal.PROBLEMS[r.problem]}{detail} "
                       f"({r.rows} rows verified before it)")
    if not report.sealed and not report.checkpoints:
        click.echo("checkpoints: none, and no seal key: the log is not sealed (run custody init-db)")
    elif report.checkpoint_problem:
        detail = f" [{report.checkpoint_detail}]" if report.checkpoint_detail else ""
        click.echo(f"checkpoints: BROKEN: {seal.PROBLEMS[report.checkpoint_problem]}{detail}")
    else:
        latest = report.latest
        click.echo(f"checkpoints: {report.checkpoints} verified with key {report.key_fingerprint}; latest "
                   f"#{latest['id']} at {latest['at'][:19].replace('T', ' ')} UTC, code {seal.short_code(latest)}")
    if paper_result is not None:
        click.echo(f"paper checkpoint: {'matches' if paper_result[0] else 'DOES NOT MATCH'}: {paper_result[1]}")
    sys.exit(0 if report.ok and (paper_result is None or paper_result[0]) else 1)


@click.command("backup")
@click.argument("target", required=False, type=click.Path(dir_okay=True, path_type=Path))
@with_appcontext
def backup_command(target):
    """Write a consistent online copy of the SQLite database (TARGET file or folder)."""
    url = current_app.config["DATABASE_URL"]
    if not is_sqlite():
        click.echo("This site runs on PostgreSQL: back it up with pg_dump, e.g.\n"
                   "  pg_dump --format=custom --file custody-$(date +%F).dump \"$CUSTODY_DATABASE_URL\"\n"
                   "and restore with pg_restore --clean --dbname … (see docs/operations.md).")
        return
    from .dbcopy import CopyError, backup_sqlite

    try:
        target = backup_sqlite(url[len("sqlite:///"):], target or Path(current_app.instance_path) / "backups")
    except CopyError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Backup written to {target} ({target.stat().st_size:,} bytes, integrity ok)")


@click.command("copy-db")
@click.option("--to", "to_url", required=True, metavar="URL",
              help="The target database (postgresql://… or sqlite:///…); it must be empty.")
@with_appcontext
def copy_db_command(to_url):
    """Copy this site's database into another, empty one (e.g. SQLite → PostgreSQL), then verify its logs."""
    from .dbcopy import CopyError, copy_and_verify

    if to_url == current_app.config["DATABASE_URL"]:
        raise click.ClickException("The target is the database this site already uses.")
    with db.connection_context():
        try:
            copied, reports = copy_and_verify(db, to_url,
                                              progress=lambda t, n: click.echo(f"  {t:<16} {n:>10,} rows"))
        except (CopyError, ValueError) as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"Copied {sum(copied.values()):,} rows in {len(copied)} tables.")
    labels = {"event": "custody log", "audit": "admin log"}
    for name, report in reports:
        if report.ok:
            click.echo(f"target {labels[name]}: intact ({report.rows} rows)")
        else:
            click.echo(f"target {labels[name]}: BROKEN at row {report.first_bad_id}: {report.problem}")
    sys.exit(0 if all(report.ok for _name, report in reports) else 1)


@click.command("demo")
@click.option("--host", default="127.0.0.1:8000", help="Address printed for the demo accounts.")
@with_appcontext
def demo_command(host):
    """Create a small demo site (once) and print one-time passwords for the demo roles."""
    from .custody.demo import build_demo

    with db.connection_context():
        created, passwords = build_demo()
    click.echo("Demo site created." if created else "Demo site already present: data kept.")
    click.echo(f"Open http://{host}/ and log in as:")
    for username, role, password in passwords:
        shown = password or "(password already changed by its owner)"
        click.echo(f"  {role:<17} {username:<12} {shown}")
    if any(p for _u, _r, p in passwords):
        click.echo("Each password works once: the first login asks for a new one.")


def _location_captions() -> dict:
    """The location kinds' names in the site's default language (a location label prints its kind)."""
    from .custody.codes import LOCATION_KINDS
    from .i18n import code_names

    with current_app.test_request_context():
        return {"location_kinds": code_names(LOCATION_KINDS)}


@click.command("labels")
@click.option("--kind", type=click.Choice(["volume", "media", "spine", "location", "badge"]), default="volume",
              show_default=True)
@click.option("--codes", required=True, help="Codes and ranges, e.g. V00000001-V00000100 (badge codes for --kind "
              "badge, location codes such as WS-01 for --kind location).")
@click.option("--layout", default=None, help="a4-3x8, a4-2x7, a4-spine-5x1, roll-50x30, roll-60x40 or cr80 "
              "(default: a4-3x8, or the printer's stock with --printer; cr80 for badges, a4-spine-5x1 for spines).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "zpl"]), default=None,
              help="Default: from the file name, else the printer's kind, else pdf.")
@click.option("--start", default=1, show_default=True, help="First free label on the first sheet (1 = top left).")
@click.option("--dpi", type=click.Choice(["203", "300"]), default="203", show_default=True, help="ZPL resolution.")
@click.option("--printer", "printer_name", default=None, help="A configured printer: its calibration, stock and dpi.")
@click.option("--send", is_flag=True, help="Send the ZPL straight to the printer's raw port instead of a file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the job.")
@with_appcontext
def labels_command(kind, codes, layout, fmt, start, dpi, printer_name, send, output):
    """Make labels for items (or badges for people) as a PDF sheet or ZPL for a thermal printer."""
    from .custody import printing
    from .custody.errors import CustodyError

    if not send and output is None:
        raise click.UsageError("Give -o FILE, or --send with --printer.")
    with db.connection_context():
        try:
            printer = printing.printer_by_name(printer_name) if printer_name else None
            fmt, stock = printing.job_settings(kind, layout=layout, fmt=fmt, output=output, send=send,
                                               printer=printer)
            made = printing.labels_for_codes(kind, codes, stock, base_url=current_app.config.get("BASE_URL", ""),
                                             captions=_location_captions() if kind == "location" else None)
            job = printing.render_job(made, stock, fmt, start=start, dpi=int(dpi), printer=printer,
                                      name=f"labels-{kind}")
            if send:
                if printer is None:
                    raise click.UsageError("--send needs --printer NAME.")
                printing.send_raw(printer, job.data)
                click.echo(f"Sent {job.count} label(s) to {printer.name} ({printer.host}:{printer.port}).")
                return
        except CustodyError as err:
            raise click.ClickException(err.message) from None
    output.write_bytes(job.data)
    click.echo(f"Wrote {job.count} label(s) to {output} ({len(job.data):,} bytes, {fmt.upper()}).")


# `custody readers add|approve|token|check`; the names they had before (add-reader, approve-reader,
# reader-token, check-readers) are in scripts and guides, and keep working, unlisted
READER_COMMANDS = {"add": "add_reader_command", "approve": "approve_reader_command", "token": "reader_token_command",
                   "check": "check_readers_command"}


def _readers_group() -> AppGroup:
    from . import readers_cli

    group = AppGroup("readers", help="Readers: register one, approve it, its token, the offline and removal checks.")
    for name, attr in READER_COMMANDS.items():
        group.add_command(getattr(readers_cli, attr), name)
    return group


def _old_names(commands: dict) -> list[click.Command]:
    """The group's commands under their old top-level names, working as before but not listed."""
    from . import readers_cli

    old = []
    for attr in commands.values():
        command = copy.copy(getattr(readers_cli, attr))
        command.hidden = True
        old.append(command)
    return old


def register(app) -> None:
    for command in (init_db_command, create_user_command, create_token_command, verify_log_command, seal_log_command,
                    backup_command, demo_command, labels_command, copy_db_command):
        app.cli.add_command(command)
    from .cli_imports import import_group

    app.cli.add_command(import_group)
    from .cli_alerts import COMMANDS as alert_commands  # custody sweep, custody scheduler

    for command in alert_commands:
        app.cli.add_command(command)
    app.cli.add_command(_readers_group())
    for command in _old_names(READER_COMMANDS):
        app.cli.add_command(command)
    from .cli_completion import export_project_command

    app.cli.add_command(export_project_command)
    from .cli_people import people_group

    app.cli.add_command(people_group)


def _add_offline_commands() -> None:
    # commands that need no app, secret or database: found without loading the app
    from .cli_completion import verify_bundle_command

    main.add_command(verify_bundle_command)


_add_offline_commands()
