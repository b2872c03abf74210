"""`custody add-reader`, `custody reader-token` and `custody check-readers` (registered by app.cli.register)."""
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import db


@click.command("add-reader")
@click.argument("name")
@click.option("--location", required=True, help="Location code the reader is at (door, shelf, workstation).")
@click.option("--mode", required=True, type=click.Choice(["perimeter_door", "internal_door", "shelf", "station"]))
@click.option("--protocol", required=True,
              type=click.Choice(["rdm6300", "id12la", "decimal10", "barcode", "chafon"]))
@click.option("--side-a", help="internal_door: location code of the zone on one side (e.g. KF).")
@click.option("--side-b", help="internal_door: location code of the zone on the other side (e.g. JG).")
@click.option("--action", type=click.Choice(["return_to_storage", "move", "none"]),
              help="station: what a scan does (default return_to_storage).")
@click.option("--settings", "settings_json", default=None, help="Further settings as a JSON object.")
@click.option("--replace-token", is_flag=True, help="If the reader exists, give it a new token instead of failing.")
@click.option("--token-only", is_flag=True, help="Print only the token (for scripts).")
@with_appcontext
def add_reader_command(name, location, mode, protocol, side_a, side_b, action, settings_json, replace_token,
                       token_only):
    """Register a reader and print its token (shown once; only its hash is stored)."""
    from .custody import readers
    from .custody.errors import CustodyError
    from .custody.models import Location, Reader

    try:
        settings = json.loads(settings_json) if settings_json else {}
    except ValueError:
        raise click.ClickException("--settings is not valid JSON") from None
    if not isinstance(settings, dict):
        raise click.ClickException("--settings must be a JSON object")
    for key, value in (("side_a", side_a), ("side_b", side_b), ("action", action)):
        if value:
            settings[key] = value
    with db.connection_context():
        try:
            existing = Reader.get_or_none(Reader.name == name.strip())
            if existing is not None and replace_token:
                secret = readers.rotate_token(existing)
                reader = existing
            else:
                reader, secret = readers.register_reader(name, location=Location.by_code(location), mode=mode,
                                                       protocol=protocol, settings=settings)
        except CustodyError as err:
            raise click.ClickException(err.message) from None
    if token_only:
        click.echo(secret)
        return
    click.echo(f"Reader {reader.name} ({reader.mode}, {reader.protocol}) at {location}.")
    click.echo(f"Token: {secret}")
    click.echo("Store this token now: it is not shown again.", err=True)
    click.echo("Its reads change no custody until the security officer approves it "
               f"(Door log › Reader approval, or custody approve-reader {reader.name} --as USERNAME).", err=True)


@click.command("approve-reader")
@click.argument("name")
@click.option("--as", "username", required=True, help="The security officer's account (recorded in the admin log).")
@with_appcontext
def approve_reader_command(name, username):
    """Approve reader NAME's current token as the security officer: its reads then change custody."""
    from .custody import readers
    from .custody.errors import CustodyError
    from .custody.models import Reader, User

    with db.connection_context():
        reader = Reader.get_or_none(Reader.name == name)
        officer = User.get_or_none(User.username == username)
        if reader is None or officer is None:
            raise click.ClickException(f"No such {'reader' if reader is None else 'user'}: "
                                       f"{name if reader is None else username}")
        try:
            readers.approve_reader(reader, by=officer)
        except CustodyError as err:
            raise click.ClickException(err.message) from None
    click.echo(f"Reader {name} approved by {username}: its reads now change custody.")


@click.command("reader-token")
@click.argument("name")
@click.option("--revoke", is_flag=True, help="Revoke the token instead of issuing a new one.")
@with_appcontext
def reader_token_command(name, revoke):
    """Give reader NAME a new token (printed once), or revoke its token."""
    from .custody import readers
    from .custody.errors import CustodyError
    from .custody.models import Reader

    with db.connection_context():
        reader = Reader.get_or_none(Reader.name == name)
        if reader is None:
            raise click.ClickException(f"No such reader: {name}")
        try:
            if revoke:
                readers.revoke_token(reader)
                click.echo(f"The token of {name} is revoked.")
            else:
                click.echo(readers.rotate_token(reader))
        except CustodyError as err:
            raise click.ClickException(err.message) from None


@click.command("check-readers")
@click.option("--offline-after", type=int, default=None,
              help="Seconds of silence before a reader counts as offline (default CUSTODY_READER_OFFLINE_SECONDS or 300).")
@click.option("--grace", type=int, default=None,
              help="Minutes a tag may be gone from its shelf before a check-out must exist (default 15).")
@with_appcontext
def check_readers_command(offline_after, grace):
    """Open "reader offline" and "removed without check-out" alerts (the scheduler runs this too)."""
    from .custody import readers

    offline = offline_after or int(current_app.config.get("READER_OFFLINE_SECONDS", readers.DEFAULT_OFFLINE_SECONDS))
    grace = grace or int(current_app.config.get("READER_DEPARTURE_GRACE_MINUTES",
                                                readers.DEFAULT_DEPARTURE_GRACE_MINUTES))
    with db.connection_context():
        found = readers.run_checks(offline_seconds=offline, grace_minutes=grace)
    for alert in found["offline"]:
        click.echo(f"reader offline: {alert.message}")
    for alert in found["removed"]:
        click.echo(f"removed without check-out: {alert.message}")
    click.echo(f"{len(found['offline'])} reader(s) newly offline, {len(found['removed'])} removal(s) without check-out.")


COMMANDS = (add_reader_command, reader_token_command, approve_reader_command, check_readers_command)
