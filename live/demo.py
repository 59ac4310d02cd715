"""Demo content: a past session with attendance from every source and an upcoming one; the past
season's three sessions, long over, attended for more or less of their time; and the past season's
closing meeting with its two discussion panels, registered for and attended, and a guest."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from live.models import (
    AttendanceEvent,
    EventKind,
    LiveSession,
    ManualMark,
    MarkStatus,
    SessionGuest,
    SessionRegistration,
    Source,
    Speaker,
)
from lms.selectors import participant_list

# The past season's sessions (days before today, all 90 minutes from 15:00) and the minutes of each
# a participant was in the room (BigBlueButton), in order. Unlisted participants stayed throughout.
PAST_SESSIONS = [
    ("prk-demo-past-season-1", "Живой эфир: как работает региональное правительство", 130),
    ("prk-demo-past-season-2", "Живой эфир: цифровые сервисы для граждан", 110),
    ("prk-demo-past-season-3", "Живой эфир: встреча с выпускниками программы", 80),
]
PAST_MINUTES = {
    "demo-past-02": (90, 75, 80),
    "demo-past-03": (70, 80, 65),
    "demo-past-04": (60, 70, 72),
    "demo-past-07": (50, 60, 52),
    "demo-past-08": (40, 50, 45),
    "demo-past-09": (40, 30, 38),
    "demo-past-10": (30, 0, 30),
    "demo-past-11": (0, 0, 0),
    "demo-past-12": (90, 50, 50),
}


def demo_past_season_live_seed(*, season, speaker, stdout=None) -> list[LiveSession]:
    from courses.selectors import course_list_for_track
    from live.services.attendance import attendance_events_store, session_attendance_derive

    course = course_list_for_track(season_id=season.pk, track="introductory").first()
    if course is None:
        return []
    sessions = []
    for meeting_id, title, days_ago in PAST_SESSIONS:
        starts = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
        session = LiveSession.objects.filter(external_meeting_id=meeting_id).first()
        if session is None:
            session = LiveSession.objects.create(
                external_meeting_id=meeting_id,
                title=title,
                course=course,
                season=season,
                track="introductory",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=90),
                actual_started_at=starts,
                actual_ended_at=starts + timedelta(minutes=90),
            )
            session.speakers.set([speaker])
        sessions.append(session)
    people = participant_list(season=season, track="introductory").select_related("user")
    events = []
    for person in people:
        minutes = PAST_MINUTES.get(person.user.username, (90, 90, 90))
        for session, stayed in zip(sessions, minutes):
            if not stayed:
                continue
            for kind, minute in ((EventKind.JOIN, 90 - stayed), (EventKind.LEAVE, 90)):
                events.append(
                    AttendanceEvent(
                        session=session,
                        user_id=person.user_id,
                        source=Source.BBB,
                        kind=kind,
                        connection="w_demo",
                        occurred_at=session.starts_at + timedelta(minutes=minute),
                        dedupe_key=f"demo:{session.pk}:{person.user_id}:{kind}",
                    )
                )
    attendance_events_store(events=events)
    for session in sessions:
        session_attendance_derive(session=session)
    if stdout is not None:
        stdout.write(f"Past season: {len(sessions)} live sessions")
    demo_closing_meeting_seed(season=season, speaker=speaker, stdout=stdout)
    return sessions


# The past season's closing meeting (days before today, from 12:00 for four hours) and its two
# parallel panels (from 13:00 for 90 minutes): who registered where, by the participants' order.
CLOSING = ("prk-demo-closing", "Итоговая встреча сезона", 40)
PANELS = [
    ("prk-demo-closing-panel-1", "Дискуссия: молодёжь в региональном управлении"),
    ("prk-demo-closing-panel-2", "Дискуссия: цифровые проекты в федеральных органах"),
]


def demo_closing_meeting_seed(*, season, speaker, stdout=None) -> LiveSession:
    from live.services.attendance import attendance_events_store, session_attendance_derive

    meeting_id, title, days_ago = CLOSING
    starts = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    common = {"season": season, "kind": LiveSession.Kind.SEASON, "course": None, "track": ""}
    closing, _ = LiveSession.objects.update_or_create(
        external_meeting_id=meeting_id,
        defaults={
            **common,
            "title": title,
            "required": False,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=4),
            "actual_started_at": starts,
            "actual_ended_at": starts + timedelta(hours=4),
        },
    )
    panels = []
    for panel_meeting_id, panel_title in PANELS:
        panel_starts = starts + timedelta(hours=1)
        panel, _ = LiveSession.objects.update_or_create(
            external_meeting_id=panel_meeting_id,
            defaults={
                **common,
                "title": panel_title,
                "parent": closing,
                "required": False,
                "capacity": 30,
                "starts_at": panel_starts,
                "ends_at": panel_starts + timedelta(minutes=90),
                "actual_started_at": panel_starts,
                "actual_ended_at": panel_starts + timedelta(minutes=90),
            },
        )
        panels.append(panel)
    for session in (closing, *panels):
        session.speakers.set([speaker])
    people = list(participant_list(season=season).order_by("id"))
    registrations, events = [], []
    for index, person in enumerate(people):
        # Everyone at the meeting; each at one panel, in turn; every fourth did not come.
        for session in (closing, panels[index % 2]):
            registrations.append(SessionRegistration(session=session, user_id=person.user_id))
            if index % 4 == 3:
                continue
            for kind, at in ((EventKind.JOIN, session.starts_at), (EventKind.LEAVE, session.ends_at)):
                events.append(
                    AttendanceEvent(
                        session=session,
                        user_id=person.user_id,
                        source=Source.BBB,
                        kind=kind,
                        connection="w_demo",
                        occurred_at=at,
                        dedupe_key=f"demo:{session.pk}:{person.user_id}:{kind}",
                    )
                )
    SessionRegistration.objects.bulk_create(registrations, ignore_conflicts=True)
    attendance_events_store(events=events)
    if not SessionGuest.objects.filter(session=closing).exists():
        SessionGuest.objects.create(
            session=closing,
            name="Гость из министерства",
            email="guest@example.org",
            invited_by=speaker.user,
            sent_at=starts - timedelta(days=7),
            joined_at=starts + timedelta(minutes=5),
        )
    for session in (closing, *panels):
        session_attendance_derive(session=session)
    if stdout is not None:
        stdout.write(f"Past season: the closing meeting with {len(panels)} panels")
    return closing


def demo_live_seed(sender, season, past_season=None, stdout=None, **kwargs) -> None:
    from courses.selectors import course_list_for_track
    from live.services.attendance import attendance_events_store, session_attendance_derive

    User = get_user_model()
    speaker_user = User.objects.filter(username="demo-speaker").first()
    course = course_list_for_track(season_id=season.pk, track="introductory").first()
    if speaker_user is None or course is None:
        return
    speaker, _ = Speaker.objects.get_or_create(
        user=speaker_user,
        defaults={"name": speaker_user.get_full_name() or "Demo speaker", "bio": "Эксперт программы."},
    )
    # Anchored to today so that the past one stays past and the upcoming one upcoming on every run.
    today = timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
    past_start = today - timedelta(days=2)
    past, _ = LiveSession.objects.update_or_create(
        external_meeting_id="prk-demo-past",
        defaults={
            "title": "Живой эфир: цифровая трансформация госуправления",
            "course": course,
            "season": season,
            "track": "introductory",
            "starts_at": past_start,
            "ends_at": past_start + timedelta(minutes=90),
            "actual_started_at": past_start,
            "actual_ended_at": past_start + timedelta(minutes=90),
        },
    )
    upcoming, _ = LiveSession.objects.update_or_create(
        external_meeting_id="prk-demo-upcoming",
        defaults={
            "title": "Живой эфир: проектное управление в регионе",
            "course": course,
            "season": season,
            "track": "introductory",
            "starts_at": today + timedelta(days=3),
            "ends_at": today + timedelta(days=3, minutes=90),
        },
    )
    past.speakers.set([speaker])
    upcoming.speakers.set([speaker])
    people = list(participant_list(season=season, track="introductory"))
    events = []
    for index, person in enumerate(people):
        uid = person.user_id
        if index % 2 == 0:
            # our page for the first 50 minutes, then a Zoom report row from minute 45 to the end
            events += [
                AttendanceEvent(
                    session=past,
                    user_id=uid,
                    source=Source.PAGE,
                    kind=EventKind.BEAT,
                    connection="demo-tab",
                    occurred_at=past_start + timedelta(seconds=30 * n),
                    dedupe_key=f"demo:{past.pk}:{uid}:beat:{n}",
                )
                for n in range(100)
            ]
            events.append(
                AttendanceEvent(
                    session=past,
                    user_id=uid,
                    source=Source.REPORT,
                    kind=EventKind.INTERVAL,
                    connection="demo-row",
                    occurred_at=past_start + timedelta(minutes=45),
                    ends_at=past_start + timedelta(minutes=90),
                    dedupe_key=f"demo:{past.pk}:{uid}:report",
                )
            )
        else:
            # BigBlueButton, joined 12 minutes late, with a reconnect that overlaps by a minute
            for n, (joined, left) in enumerate(((12, 40), (39, 95))):
                for kind, minute in ((EventKind.JOIN, joined), (EventKind.LEAVE, left)):
                    events.append(
                        AttendanceEvent(
                            session=past,
                            user_id=uid,
                            source=Source.BBB,
                            kind=kind,
                            connection=f"w_demo{n}",
                            occurred_at=past_start + timedelta(minutes=minute),
                            dedupe_key=f"demo:{past.pk}:{uid}:{kind}:{n}",
                        )
                    )
    attendance_events_store(events=events)
    if people and not ManualMark.objects.filter(session=past).exists():
        ManualMark.objects.create(
            session=past,
            user_id=people[-1].user_id,
            status=MarkStatus.PRESENT,
            comment="Был в зале, подключился с телефона коллеги",
            marked_by=speaker_user,
        )
    session_attendance_derive(session=past)
    if stdout is not None:
        stdout.write(f"Live sessions: {past.title}; {upcoming.title}")
    if past_season is not None:
        demo_past_season_live_seed(season=past_season, speaker=speaker, stdout=stdout)
