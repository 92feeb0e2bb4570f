"""Sending mail; in development the `log` backend writes every mail to the application log."""

from __future__ import annotations

import logging

from flask import current_app
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("campus.mail")

BACKENDS = {"log": "campus.core.mail", "memory": "locmem", "smtp": "smtp", "console": "console"}


class EmailBackend(BaseEmailBackend):
    """Writes each message, headers and body, to the `campus.mail` logger."""

    def send_messages(self, email_messages):
        for message in email_messages:
            log.warning("MAIL to=%s subject=%s\n%s", ", ".join(message.to), message.subject, message.body)
        return len(email_messages)


def send_mail(to: str, subject: str, body: str) -> None:
    EmailMessage(subject=subject, body=body, to=[to], from_email=current_app.config["MAIL_DEFAULT_SENDER"]).send()
