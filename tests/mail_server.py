"""A mail server for tests that can be taken down: Django's in-memory backend, failing while DOWN."""

from django.core.mail.backends.locmem import EmailBackend


class State:
    down = False


class FlakyEmailBackend(EmailBackend):
    def send_messages(self, messages):
        if State.down:
            raise ConnectionRefusedError("the mail server is down")
        return super().send_messages(messages)
