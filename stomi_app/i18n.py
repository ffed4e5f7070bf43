"""Lazy translations whose interpolated values are escaped when a page shows them: import lazy_gettext from here.

Flask-Babel's lazy string tells Jinja it is already HTML (its ``__html__`` returns the interpolated text), so
``_l("No product variant has the article number %(number)s.", number=typed)`` showed a typed ``<b>x</b>`` in bold,
and would run a typed script. Here the translated message is trusted (it comes from the catalogue, not from a
person) and only the values are escaped, as Jinja's own ``{{ _("…%(x)s", x=…) }}`` does; ``str()`` of the message is
unchanged plain text, for a PDF, a CSV, an e-mail or a log.
"""
from __future__ import annotations

from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup


class EscapingLazyString(LazyString):
    """A lazy translation that is HTML-safe: in a page its values are escaped, its message is not."""

    def __html__(self):
        if not self._kwargs:
            return str(self)
        template = self._func(*self._args)  # the translation with its %(name)s placeholders, not yet filled in
        return Markup(template) % self._kwargs  # Markup's % escapes each value (and leaves Markup values as they are)


def lazy_gettext(string: str, **variables) -> EscapingLazyString:
    return EscapingLazyString(gettext, string, **variables)
