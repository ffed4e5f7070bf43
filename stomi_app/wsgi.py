"""The WSGI entry point for gunicorn: `gunicorn stomi_app.wsgi:app`."""
from stomi_app import create_app

app = create_app()
