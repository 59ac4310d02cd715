"""A mail backend for tests: the in-memory outbox, but the Nth message overall fails the way a
mail server dropping the connection does (outside the machine, so it is faked)."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend


class FailingOnNth(EmailBackend):
    fail_on: int | None = None
    error: type[Exception] = smtplib.SMTPServerDisconnected
    attempts = 0

    @classmethod
    def reset(cls, *, fail_on: int | None, error: type[Exception] = smtplib.SMTPServerDisconnected) -> None:
        cls.fail_on, cls.error, cls.attempts = fail_on, error, 0

    def send_messages(self, messages):
        for message in messages:
            FailingOnNth.attempts += 1
            if FailingOnNth.attempts == FailingOnNth.fail_on:
                raise FailingOnNth.error("Connection unexpectedly closed")
            super().send_messages([message])
        return len(messages)
