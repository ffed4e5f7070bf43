"""Outgoing e-mail: one small adapter over the standard library's smtplib, configured by STOMI_SMTP_*."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from stomi_app.configcheck import is_production

log = logging.getLogger(__name__)


class MailError(Exception):
    """The SMTP server could not be reached or refused the message; the caller decides whether to retry."""


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="stomi")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """Send one message; raises MailError when it was not handed over to the SMTP server."""
    message = build_message(to, subject, text, html)
    config = current_app.config
    if not config.get("SMTP_HOST"):
        if is_production():  # a message names a person and may hold a link or a note: never in a production log
            log.warning("mail not sent: STOMI_SMTP_HOST is not set")
            return message
        # Development without a mail server: the message is visible in the log instead.
        log.info("mail not sent (no STOMI_SMTP_HOST): to=%s subject=%s\n%s", to, subject, text)
        return message
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc
    return message
