"""Flask extensions, unbound; the factory calls init_app on each."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
