"""Flask extensions, created unbound and initialised in `create_app`."""

from flask_babel import Babel
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from campus.core.api import ErrorSchema
from campus.core.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
mail = Mail()
babel = Babel()
socketio = SocketIO()


class CampusApi(Api):
    """flask-smorest documenting the error body of docs/design.md#error-shapes instead of its own."""

    ERROR_SCHEMA = ErrorSchema


api = CampusApi()
