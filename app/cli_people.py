"""`custody people …`: what an operator scripts — list, vet, badge actions, leave, the register's export,
the expiry check. The command line acts as the machine's operator (recorded as "command line")."""
import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from .custody.errors import CustodyError
from .db import db


def _fail(err: CustodyError):
    click.echo(f"error: {err.message}", err=True)
    sys.exit(2)


@click.group("people")
def people_group():
    """Staff vetting, badges and the personnel change register."""


@people_group.command("list")
@click.option("--status", type=click.Choice(["pending", "active", "suspended", "revoked", "waiting"]))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@with_appcontext
def list_command(status, as_json):
    """List people (badge, status, name, missing vetting items)."""
    from .custody import people

    with db.connection_context():
        rows = people.roster(status)
    for who, missing in rows:
        if as_json:
            click.echo(json.dumps({"badge_code": who.badge_code, "name": who.name, "status": who.badge_status,
                                   "missing": missing}, ensure_ascii=False))
        else:
            click.echo(f"{who.badge_code}\t{who.badge_status}\t{who.name}\t{','.join(missing) or '-'}")


@people_group.command("vet")
@click.argument("badge")
@click.argument("item")
@click.option("--date", "done_on", required=True, help="When it was done (YYYY-MM-DD).")
@click.option("--reference", default="")
@click.option("--hours", type=float, help="Training hours (training only).")
@click.option("--expires", default=None, help="When it expires (YYYY-MM-DD).")
@with_appcontext
def vet_command(badge, item, done_on, reference, hours, expires):
    """Record one vetting item: identity, no_criminal_record, labour_contract, confidentiality, training."""
    from .custody import people

    with db.connection_context():
        try:
            people.record_vetting(badge, item, done_on=done_on, reference=reference, hours=hours,
                                    expires_on=expires)
        except CustodyError as err:
            _fail(err)
    click.echo(f"{badge}: {item} recorded")


@people_group.command("badge")
@click.argument("badge")
@click.argument("action", type=click.Choice(["activate", "suspend", "reinstate", "revoke", "lost"]))
@click.option("--reason", default="")
@click.option("--valid-from", default=None)
@click.option("--valid-until", default=None)
@click.option("--new-tag", default="")
@with_appcontext
def badge_command(badge, action, reason, valid_from, valid_until, new_tag):
    """A badge action; `lost` prints the new badge code."""
    from .custody import people

    with db.connection_context():
        try:
            who = people.badge_action(badge, action, reason=reason, valid_from=valid_from,
                                        valid_until=valid_until, new_tag=new_tag)
        except CustodyError as err:
            _fail(err)
    click.echo(f"{who.badge_code}\t{who.badge_status}")


@people_group.command("leave")
@click.argument("badge")
@click.option("--reason", default="")
@with_appcontext
def leave_command(badge, reason):
    """Mark a person as left (refused, listing the items, while they hold any)."""
    from .custody import people

    with db.connection_context():
        try:
            people.leave(badge, reason=reason)
        except CustodyError as err:
            _fail(err)
    click.echo(f"{badge}: left, badge revoked")


@people_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "pdf"]), default="csv", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--kind", default="")
@click.option("--since", default=None)
@click.option("--until", default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def export_command(fmt, lang, kind, since, until, output):
    """Export the personnel change register (CSV or PDF, Chinese or English)."""
    from .custody import people
    from .web.people.views import export_register

    headers = {"Accept-Language": "zh-CN" if lang == "zh" else "en"}
    with db.connection_context(), current_app.test_request_context(headers=headers), \
            force_locale("zh_CN" if lang == "zh" else "en"):
        try:
            rows = list(people.change_query(kind=kind, since=since, until=until))
        except CustodyError as err:
            _fail(err)
        data, _mimetype, _name = export_register(rows, fmt)
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(f"{len(rows)} changes written to {output}")


@people_group.command("check-expiry")
@with_appcontext
def check_expiry_command():
    """Run the expiry check now (the scheduler runs it every hour)."""
    from .custody import people

    with db.connection_context():
        done = people.check_expiry()
    click.echo(f"{len(done['alerts'])} alerts open, {len(done['suspended'])} badges suspended")


COMMANDS = [people_group]
