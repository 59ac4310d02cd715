"""The console's per-minute chart: axes, the viewer's own zone, and a table for screen readers."""

import re
import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from live.chart import minute_chart
from live.models import AttendanceEvent
from live.tests.factories import LiveSessionFactory
from live.tests.test_views import speaker_with_role
from lms.middleware import SESSION_TIMEZONE_KEY
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db

KAMCHATKA = zoneinfo.ZoneInfo("Asia/Kamchatka")


def test_the_speaker_reads_the_chart_in_their_own_zone_with_axes_and_a_table(client, settings):
    settings.REDIS_URL = ""
    now = timezone.now()
    start = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0) - timedelta(minutes=25)
    speaker = speaker_with_role()
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season, speakers=[speaker], starts_at=start, ends_at=start + timedelta(hours=2), actual_started_at=start
    )
    person = ParticipantFactory(season=season)
    AttendanceEvent.objects.create(
        session=session, user=person.user, source="bbb", kind="join", connection="c", occurred_at=start, dedupe_key="c"
    )
    client.force_login(speaker.user)
    browser_session = client.session
    browser_session[SESSION_TIMEZONE_KEY] = "Asia/Kamchatka"  # what logging in stores from the profile
    browser_session.save()
    html = client.get(f"/live/console/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    first = start.astimezone(KAMCHATKA).strftime("%H:%M")
    at_five = (start + timedelta(minutes=5)).astimezone(KAMCHATKA).strftime("%H:%M")
    # One image for assistive technology, with a sentence summing it up in the viewer's zone.
    summary = re.search(r'<figure class="minute-chart" role="img" aria-label="([^"]+)"', html).group(1)
    assert summary.startswith(f"Present participants per minute from {first} to ")
    assert "Asia/Kamchatka time: at most 1 at " + first in summary and "1 in the last minute." in summary
    # The axes: counts 0 and 1, time labels every five minutes in Kamchatka time, both titled.
    counts = re.search(r'<div class="minute-chart-counts">(.*?)</div>', html).group(1)
    assert re.findall(r">(\d+)</span>", counts) == ["0", "1"]
    times = re.findall(r">(\d\d:\d\d)</span>", re.search(r'<div class="minute-chart-times">(.*?)</div>', html).group(1))
    assert times[:2] == [first, at_five]
    assert "Time (Asia/Kamchatka)" in html
    # The table alternative: every minute with its count.
    table = re.search(r'<details class="minute-chart-table">(.*?)</details>', html, re.S).group(1)
    rows = re.findall(r"<tr><td>(\d\d:\d\d)</td><td>(\d+)</td></tr>", table)
    assert 25 <= len(rows) <= 30 and rows[0] == (first, "1") and rows[5] == (at_five, "1")
    assert "Minute (Asia/Kamchatka)" in table


def test_time_labels_fall_on_round_minutes_and_never_at_the_right_edge():
    start = timezone.now().replace(hour=9, minute=3, second=0, microsecond=0)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        chart = minute_chart(counts=[2] * 57 + [4, 3, 1], start=start)  # 09:03 to 10:03
    assert [tick["label"] for tick in chart["time_ticks"]] == ["09:10", "09:20", "09:30", "09:40", "09:50"]
    assert all(0 <= tick["left"] <= 90 for tick in chart["time_ticks"])
    assert [tick["label"] for tick in chart["count_ticks"]] == [0, 2, 4]
    assert (chart["peak"], chart["peak_at"], chart["first"], chart["last"], chart["now"]) == (
        4,
        "10:00",
        "09:03",
        "10:03",
        1,
    )
    assert minute_chart(counts=[], start=start)["rows"] == []
