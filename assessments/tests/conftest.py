from datetime import timedelta

import pytest
from django.utils import timezone

import courses.selectors
import live.selectors

EXAMPLE = "assessments.tests.example_module.CommunityModule"


class FakeCourses:
    """Stands in for the courses app's contract (`required_lectures_completion`) with hand-built
    answers; the courses app tests the contract itself."""

    def __init__(self):
        self.lectures: list[dict] = []
        self.deadlines: dict = {}
        self.completed: dict = {}
        self.calls: list[dict] = []

    def __call__(self, *, season_id, track, user_ids=None):
        self.calls.append({"season_id": season_id, "track": track})
        lectures = [lecture for lecture in self.lectures if track in lecture.get("tracks", [track])]
        return {"lectures": lectures, "deadlines": self.deadlines, "completed": self.completed, "progress": {}}


class FakeLive:
    """Stands in for live's grouped attendance contract with hand-built entries per user and
    session, added up by live's own rules (`attendance_groups`, tested in live)."""

    def __init__(self):
        self.sessions: list[dict] = []
        self.attendance: dict = {}

    def __call__(self, *, season_id, track, user_ids=None):
        return {
            "sessions": self.sessions,
            "groups": live.selectors.attendance_groups(sessions=self.sessions, attendance=self.attendance),
        }


@pytest.fixture
def fake_courses(monkeypatch):
    fake = FakeCourses()
    monkeypatch.setattr(courses.selectors, "required_lectures_completion", fake, raising=False)
    return fake


@pytest.fixture
def fake_live(monkeypatch):
    fake = FakeLive()
    monkeypatch.setattr(live.selectors, "required_sessions_attendance_grouped", fake, raising=False)
    monkeypatch.setattr(
        live.selectors, "required_session_count", lambda *, season_id, track: len(fake.sessions), raising=False
    )
    return fake


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def session(session_id: int, *, starts, minutes: int = 60, title: str = "") -> dict:
    return {
        "id": session_id,
        "title": title or f"Эфир {session_id}",
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=minutes),
        "window_seconds": minutes * 60,
        "finished": True,
    }
