"""Outgoing email as rows: written in the transaction that decides to send, sent and retried by the clock."""

import uuid

from django.db import models


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"


class OutgoingEmail(models.Model):
    """One message to one or more addresses. A mail server that is down delays it; nothing loses it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    to = models.JSONField(help_text="The addresses, as a list.")
    status = models.CharField(max_length=10, choices=OutgoingEmailStatus.choices, default=OutgoingEmailStatus.PENDING)
    next_attempt_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        verbose_name = "outgoing email"

    def __str__(self):
        return f"{self.subject} to {', '.join(self.to)} ({self.get_status_display()})"
