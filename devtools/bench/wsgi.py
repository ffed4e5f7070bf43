"""The app as production serves it, plus the bench's ceiling route: what the bench's gunicorn runs."""
from devtools.bench.views import bp
from stomi_app import create_app

app = create_app()
app.register_blueprint(bp)
