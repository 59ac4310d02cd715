"""The raw attendance signals every figure is derived from."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from live.choices import EventKind, Source
from live.models.sessions import LiveSession


class AttendanceEvent(models.Model):
    """One raw signal, append-only. Figures are derived from these rows and can be recomputed."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    # A browser tab, a BBB internal user id or a report row: intervals are built per connection.
    connection = models.CharField(max_length=100)
    occurred_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attendance event")
        verbose_name_plural = _("attendance events")
        # The derivation reads a session's events per connection in time order: in exactly its
        # window's order (kind and id break ties), so the index hands the rows over presorted and
        # no text is compared at query time. The user comes after the connection so that the
        # user_id index, presorting only by user, does not tempt the planner into a sort. It ends
        # with ends_at, the last column the derivation reads (after the unique id, so it changes
        # no order; a key column, not INCLUDE, which SQLite lacks): an index-only scan then costs
        # far less than a sequential scan and a sort whatever the heap's order, so the planner
        # keeps to it (a freshly filled table's low correlation used to tip it into the sort).
        indexes = [
            models.Index(
                fields=["session", "source", "connection", "user", "occurred_at", "kind", "id", "ends_at"],
                name="live_event_derive_sort",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="interval") | Q(ends_at__gte=F("occurred_at")),
                name="attendance_interval_ordered",
                violation_error_message=_("An interval must end no earlier than it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.dedupe_key
