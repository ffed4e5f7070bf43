"""The catalogue's service tests read the English messages."""
from __future__ import annotations

import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def _english_messages(request):
    """Service-level tests read the (English) messages; pages are checked by element ids instead."""
    if "ctx" not in request.fixturenames or request.module.__name__.endswith("test_views"):
        yield  # the pages are tested in Danish, the default language
        return
    request.getfixturevalue("ctx")
    with force_locale("en"):
        yield
