"""One commit per request: the framework commits a view's work when it answers with success, and rolls it back otherwise.

Operations only flush; no view calls `commit()` or `rollback()` (Indico's request handler, Django's atomic requests):

- A view that returns a success or a redirect (status below 400) has its work committed once, after the view and
  before the answer leaves, so a failing commit (a serialization failure, a lost connection) is an error page, never a
  confirmation of something that was not saved.
- A view that answers with a refusal (400 and up: a form re-shown with its errors as 422, a 404, a 409) has its work
  rolled back: what a refused operation flushed before it raised is never saved half-way.
- A view that raises has its work rolled back before any error handler runs, so the error page reads the database as
  it was.

Two cases say so in the view, by name:

- `discard()`: the operation was refused, but the view answers with a redirect (a message flashed on the page it
  returns to); without it the redirect would commit what the refused operation flushed.
- `keep()`: the answer is a refusal, but what the view wrote after the refusal must stay (the audit of a refused
  attempt, a failed sign-in counted towards a lock).

Routes outside the app factory's blueprints (the bench's ceiling route) are dispatched the same way.
"""
from __future__ import annotations

from flask import Flask, g

from stomi_app.extensions import db

_KEEP = "stomi_keep_refused_work"


def discard() -> None:
    """Roll back what the request has written so far (a refused operation whose view answers with a redirect)."""
    db.session.rollback()


def keep() -> None:
    """Commit the request's remaining work even though it answers with a refusal (call after `discard()` of the
    refused part, then write what must stay: an audit of the attempt, a counted failure)."""
    setattr(g, _KEEP, True)


def finish(response) -> None:
    """Commit or roll back the request's work by its answer (see the module's docstring)."""
    if response.status_code < 400 or g.get(_KEEP, False):
        db.session.commit()
    else:
        db.session.rollback()


class TransactionalFlask(Flask):
    """Flask whose every view's work is committed once, by its answer."""

    def dispatch_request(self):
        try:
            response = self.make_response(super().dispatch_request())
        except BaseException:
            db.session.rollback()
            raise
        finish(response)
        return response
