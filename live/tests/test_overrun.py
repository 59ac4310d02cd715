"""A session that overruns its schedule, through the real endpoints: the speaker's console, the
participant's page, its presence-key renewals and beats, a latecomer's join. Server time is the
`clock` fixture (conftest.py); everything else is the code as it runs.

Hand-computed: scheduled 12:00–13:00 UTC; the speaker presses "start" at 12:00:00 and "end" at
13:40:00, so the window is 100 min = 6000 s. The participant's page beats every 30 s from
12:00:00 to 13:29:00 (179 beats; each covers 60 s), covering 12:00:00–13:30:00 = 5400 s = 90 %:
present. Before the fix the keys closed 15 min after the *scheduled* end: beats after 13:15:00
were refused (the last one taken, 13:15:00, covers to 13:16:00: 4560 s = 76 %, absent)."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape as html_unescape

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from live import conf
from live.models import Attendance, LiveSession
from live.presence_keys import HEADER
from live.services.attendance import session_attendance_derive
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from live.views import join_link
from tests.factories import ParticipantFactory, SeasonFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def at(minutes: float, seconds: int = 0) -> datetime:
    return START + timedelta(minutes=minutes, seconds=seconds)


class Page:
    """What session_detail.html's script does: beats with the key, renewals every third of the
    key's life (and once more after a 403), cookies only for the renewal."""

    def __init__(self, client: Client, session: LiveSession):
        self.client, self.session = client, session
        html = client.get(f"/live/{session.pk}/").content.decode()
        self.key = html_unescape(re.search(r'data-key="([^"]*)"', html).group(1))
        self.connection, self.seq = str(uuid.uuid4()), 0

    def renew(self) -> None:
        response = self.client.post(f"/api/v1/live-sessions/{self.session.pk}/presence-key/")
        assert response.status_code == 201
        self.key = response.json()["key"]

    def beat(self) -> int:
        def send():
            return Client().post(
                f"/api/v1/live-sessions/{self.session.pk}/presence/",
                {"connection_id": self.connection, "seq": self.seq, "visible": True},
                content_type="application/json",
                headers={HEADER: self.key},
            )

        response = send()
        if response.status_code == 403:
            self.renew()
            response = send()
        self.seq += 1
        return response.status_code


def test_an_overrunning_session_keeps_taking_beats_and_joins_until_the_speaker_ends_it(client, clock, settings):
    settings.REDIS_URL = ""  # beats written through, so the figures can be read at once
    season = SeasonFactory()
    speaker = SpeakerFactory()
    speaker.user.groups.add(Group.objects.get_or_create(name="speaker")[0])
    session = LiveSessionFactory(
        season=season,
        speakers=[speaker],
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        delivery="url",
        room_url="https://meet.example.org/live",
    )
    person, latecomer = ParticipantFactory(season=season), ParticipantFactory(season=season)
    console = Client()
    console.force_login(speaker.user)
    clock.at = at(0)
    assert console.post(f"/live/console/{session.pk}/start/").status_code == 302

    client.force_login(person.user)
    page = Page(client, session)
    renew_every = timedelta(seconds=conf.presence_key_seconds() // 3)  # as the page does
    last_renewal = at(0)
    for step in range(179):  # 12:00:00, 12:00:30, …, 13:29:00
        clock.at = at(0, 30 * step)
        if clock.at - last_renewal >= renew_every:
            page.renew()
            last_renewal = clock.at
        assert page.beat() == 202, clock.at

        if clock.at == at(80):  # 13:20, twenty minutes past the scheduled end
            # The latecomer's page still offers the room, and the join link still leads into it.
            latecomer_client = Client()
            latecomer_client.force_login(latecomer.user)
            html = latecomer_client.get(f"/live/{session.pk}/").content.decode()
            assert 'data-testid="join"' in html
            joined = latecomer_client.get(join_link(session=session, user_id=latecomer.user_id))
            assert joined["Location"] == f"https://meet.example.org/live?participant=prk-user-{latecomer.user_id}"
            late_page = Page(latecomer_client, session)
            assert late_page.beat() == 202
            # The console's roster still shows who is here (the window reaches to now).
            roster = console.get(f"/live/console/{session.pk}/").context["roster"]
            assert {row["user_id"] for row in roster} == {person.user_id, latecomer.user_id}

    clock.at = at(100)  # 13:40: the speaker ends it
    assert console.post(f"/live/console/{session.pk}/end/").status_code == 302
    session.refresh_from_db()
    assert session.actual_ended_at == at(100)

    clock.at = at(101)
    session_attendance_derive(session=session)  # as the task the end queued does (pages derive nothing)
    row = Attendance.objects.get(session=session, user=person.user)
    assert (row.window_seconds, row.covered_seconds, row.status) == (6000, 5400, "present")
    assert row.percent == 90.0
    # The latecomer's one beat at 13:20:00 covers 60 s of the 6000.
    late = Attendance.objects.get(session=session, user=latecomer.user)
    assert (late.covered_seconds, late.status) == (60, "absent")

    # Ended, the session closes again: a late beat is taken up to the end plus the 15 min grace
    # (13:55:00), a later one is refused, whatever key the page renews.
    clock.at = at(114, 59)
    page.renew()  # the page's timer renews its key meanwhile
    assert page.beat() == 202
    clock.at = at(115, 1)
    assert page.beat() == 400


def test_a_session_never_ended_closes_at_the_overrun_limit(client, clock, settings):
    settings.LIVE_MAX_OVERRUN_MINUTES = 60
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season, starts_at=START, ends_at=START + timedelta(hours=1), actual_started_at=START
    )
    person = ParticipantFactory(season=season)
    client.force_login(person.user)
    clock.at = at(119)  # 13:59: within the limit (an hour past the scheduled end)
    assert session.joinable_at(clock.at) and session.window_end_at(clock.at) == at(119)
    assert 'data-testid="join"' in client.get(f"/live/{session.pk}/").content.decode()
    clock.at = at(121)  # past it: the session has ended itself, no join
    assert not session.joinable_at(clock.at) and session.state_at(clock.at) == LiveSession.State.ENDED
    # Nothing was recorded of it: its window is the scheduled one (test_self_end.py: the last evidence).
    assert session.window_end_at(clock.at) == session.window_end == at(60)
    assert 'data-testid="join"' not in client.get(f"/live/{session.pk}/").content.decode()
