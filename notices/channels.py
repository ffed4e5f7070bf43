"""The channels behind one notifier interface: e-mail over SMTP (real), SMS and Digital Post (adapters).

SMS and Digital Post are NOT connected to a provider: their default adapters write the message to the log, and the
delivery is recorded as not sent ("not connected"). A provider
is plugged in by writing a class with `send(to, message)` (raising ChannelError when the provider did not take it)
and naming it in STOMI_NOTICE_SMS_PROVIDER / STOMI_NOTICE_DIGITAL_POST_PROVIDER as `package.module:ClassName`; the
class is built with the app's config. See README, "Notices and reminders".
"""
from __future__ import annotations

import importlib
import logging
from typing import Protocol

from flask import current_app

from notices.texts import Outgoing
from stomi_app import mail

log = logging.getLogger("stomi.notices")


class ChannelError(Exception):
    """The channel did not take the message; the sender retries it later."""


class NotConnected(Exception):
    """The channel has no provider behind it (the development adapters): the delivery is recorded as not sent, never
    as sent, so nobody reads "Digital Post: sent" for a letter that never left."""


class Provider(Protocol):
    """What an SMS or Digital Post provider adapter implements."""

    def send(self, to: str, message: Outgoing) -> None: ...


class Channel(Protocol):
    name: str

    def address(self, citizen) -> str | None:
        """Where this citizen is reached on the channel now; None: nowhere (the delivery is skipped)."""

    def send(self, to: str, message: Outgoing) -> None:
        """Hand the message over; raises ChannelError when it was not taken."""


class EmailChannel:
    name = "email"

    def address(self, citizen) -> str | None:
        return citizen.email or None

    def send(self, to: str, message: Outgoing) -> None:
        try:
            mail.send_mail(to, message.subject, message.text, html=message.html)
        except mail.MailError as exc:
            raise ChannelError(f"SMTP: {exc}") from exc


class LoggingSmsProvider:
    """Development stand-in: no SMS leaves the platform; the text is logged."""

    def __init__(self, config=None):
        self.config = config

    def send(self, to: str, message: Outgoing) -> None:
        log.info("SMS not sent (no provider connected): to=%s text=%s", to, message.sms)
        raise NotConnected("SMS: no provider connected")


class LoggingDigitalPostProvider:
    """Development stand-in for Digital Post (e.g. through the state's NgDP interface): nothing is sent; logged."""

    def __init__(self, config=None):
        self.config = config

    def send(self, to: str, message: Outgoing) -> None:
        log.info("Digital Post not sent (no provider connected): to=citizen %s subject=%s", to, message.subject)
        raise NotConnected("Digital Post: no provider connected")


def _provider(setting: str, default: type) -> Provider:
    name = current_app.config.get(setting) or "log"
    if name == "log":
        return default(current_app.config)
    module, _, cls = name.partition(":")
    return getattr(importlib.import_module(module), cls)(current_app.config)


class SmsChannel:
    name = "sms"

    def address(self, citizen) -> str | None:
        return citizen.phone or None

    def send(self, to: str, message: Outgoing) -> None:
        _provider("NOTICE_SMS_PROVIDER", LoggingSmsProvider).send(to, message)


class DigitalPostChannel:
    name = "digital_post"

    def address(self, citizen) -> str | None:
        # Digital Post finds the citizen by CPR number at the provider; we hand over our own id, never the number
        # in a log. A real adapter decrypts the CPR number itself (stomi_app.cpr) at the moment it sends.
        return str(citizen.id)

    def send(self, to: str, message: Outgoing) -> None:
        _provider("NOTICE_DIGITAL_POST_PROVIDER", LoggingDigitalPostProvider).send(to, message)


CHANNELS: dict[str, Channel] = {c.name: c for c in (EmailChannel(), SmsChannel(), DigitalPostChannel())}
