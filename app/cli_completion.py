"""`custody export-project` and `custody verify-bundle` (the second needs no app, database or network)."""
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("export-project")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The bundle to write, e.g. bundle.zip.")
@with_appcontext
def export_project_command(output):
    """Export every register, both logs and the manifest as the project's completion bundle (zip)."""
    from flask import current_app

    from .custody import completion, signing
    from .custody.models import Site
    from .db import db

    with db.connection_context():
        site = Site.select(Site.name).first()
    from .web.completion.views import acceptance_record

    with current_app.test_request_context(), db.connection_context():  # the record in the site's language
        record = acceptance_record()
    result = completion.export_project(output, site_name=site.name if site else "",
                                       signer=signing.signer(current_app.instance_path), documents=[record])
    heads = ", ".join(f"{k} {v['last_id']}" for k, v in sorted(result.chains.items()))
    click.echo(f"Wrote {output}: {len(result.files)} files, {result.rows:,} rows; chain heads: {heads}; "
               + ("signed." if result.signed else "NOT signed (no signing key: run custody init-db)."))


@click.command("verify-bundle")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The site's public key (PEM). Without it the key inside the bundle is used and its "
                   "fingerprint printed, to compare with the one on the site's paper reports.")
def verify_bundle_command(bundle, public_key):
    """Check a completion bundle offline; exit 1 naming every changed, added, removed or reordered file or row."""
    from .custody.completion import verify_bundle

    report = verify_bundle(bundle, public_key.read_bytes() if public_key else None)
    for note in report.notes:
        click.echo(f"note: {note}")
    for problem in report.problems:
        click.echo(f"REFUSED {problem}")
    if report.ok:
        click.echo(f"{bundle}: intact ({report.files} files, {report.rows:,} rows, {report.algorithm}"
                   + (f", key {report.fingerprint}" if report.fingerprint else "") + ").")
    sys.exit(0 if report.ok else 1)
