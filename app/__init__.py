"""The custody tracker's Flask application factory: config → db → extensions → blueprints → cli."""
import os

from flask import Flask

from . import config, db, errors, i18n, limits, security


def _configure_seal(app: Flask) -> None:
    """The site's signing key in the instance folder; SEAL_PUBLIC_KEY_PATH: also export the public key there
    (read at each use, so a test's or a command's instance folder is the one used)."""
    from .custody import seal, signing

    def paths():
        return (str(signing.private_path(app.instance_path)),
                app.config.get("SEAL_PUBLIC_KEY_PATH") or str(signing.public_path(app.instance_path)))

    seal.configure(paths)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; wiring only (no migrations, no network, no prompts)."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates",
                static_folder="../static", instance_path=os.environ.get("CUSTODY_INSTANCE_PATH") or None)
    config.load_config(app, test_config)
    if int(app.config.get("PROXY_FIX", 0)):
        # behind nginx (deploy/nginx-custody.conf): trust that many proxies' X-Forwarded-For/-Proto/-Host,
        # so the logs record the client's address and redirects keep https
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    limits.init_app(app)  # before the blueprints (URL converters), after the database (request checks)
    _configure_seal(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)

    from .api import bp as api_bp
    from .web.admin import bp as admin_bp
    from .web.alerts import bp as alerts_bp
    from .web.audit import bp as audit_bp
    from .web.auth import bp as auth_bp
    from .web.completion import bp as completion_bp
    from .web.custody import bp as custody_bp
    from .web.flow import bp as flow_bp
    from .web.handovers import bp as handovers_bp
    from .web.imports import bp as imports_bp
    from .web.labels import bp as labels_bp
    from .web.media import bp as media_bp
    from .web.people import bp as people_bp
    from .web.readers import bp as readers_bp
    from .web.scanning import bp as scanning_bp
    from .web.search import bp as search_bp

    for bp in (auth_bp, custody_bp, admin_bp, audit_bp, api_bp, imports_bp, labels_bp, alerts_bp, readers_bp,
               scanning_bp, media_bp, completion_bp, handovers_bp, people_bp, flow_bp, search_bp):
        app.register_blueprint(bp)

    security.init_limits(app)  # after the blueprints: it throttles the login view

    from .cli import register

    register(app)
    return app
