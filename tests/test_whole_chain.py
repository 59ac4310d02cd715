"""The suite's smoke test of the product: one participant through the whole chain, over HTTP, on
PostgreSQL, Redis, a real Celery worker and Chromium (issue 11 §5).

Content set-up (factories and the ORM, as editors and the programme's configuration would have it):
the season (campaign open today, the interview period already running) with its interview plan
(online slots), the course with a lecture whose clip the worker transcodes, a live session
scheduled a minute ahead with its speaker, a required test with its questions, the staff user and
two experts. The admission policy is the programme's default one, created by the run itself.

User actions, all over HTTP (the Django test client / DRF's APIClient logged in through the login
form, or Chromium on the live server); nothing below writes progress, attendance, attempts,
decisions, bookings or scores behind the services' back:

1. the participant applies (POST /api/v1/applications/), follows the link that confirms their
   address and is placed; the cabinet shows the level;
2. they watch the lecture in Chromium with the real player until it is completed; the beats go to
   Redis, and the flush task, sent through the broker, runs on the worker: the participant's
   completeness (which reads the database only) moves from 0 to 100 % with it;
3. they open the live session's page, take its presence key and beat as the page does; the speaker
   starts and ends the session on the console; the worker derives the attendance, which the live
   API and the cabinet then show;
4. they take the test through the quizzes API: start, answer, submit, passed;
5. staff start an admission run on /staff/admission/, the worker executes it, staff publish it
   on the run's page; the participant sees the decision;
6. an expert publishes a slot on the availability page, the participant books it in the cabinet;
7. staff assign a second expert in the admin; both experts score the interview (the sheet page and
   the sheet API); the candidates page and API show the two sheets and their average.

Before step 5 the content moves as the calendar would have moved it: the lecture's deadline and the
test's closing time are set to now (both were met earlier), and the session's schedule is set to
the times the speaker actually pressed, so the live module weighs the minutes really held. No
clock is faked: the worker runs in its own process and would not see it.

The second test pins down a bug the chain ran into (xfail, strict): with no interview plan, the API
books slots the cabinet does not offer.
"""

import re
import time
import uuid
from datetime import timedelta
from html import unescape as html_unescape

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from assessments.models import InterviewPlan, InterviewSlot, Quiz
from assessments.services.slots import interview_slot_create
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, QuizFactory
from assessments.tests.test_interviews import _admit
from courses.models import LecturePage
from courses.tasks import lecture_progress_flush_task
from courses.tests.factories import course_make, lecture_make
from live.models import LiveSession
from live.presence_keys import HEADER as PRESENCE_HEADER
from live.tests.factories import LiveSessionFactory, SpeakerFactory
from lms import roles
from lms.services import roles_sync
from media.demo import make_clip
from media.models import VideoAsset
from media.services import video_asset_create
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory, UserFactory, confirmation_path
from tests.plugin import login, screenshot, wait_for

EMAIL = "olga.chain@example.org"


def _role(user, role: str):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _signed_in(username: str) -> APIClient:
    """A client logged in through the login form, as a person would be (pages and API alike)."""
    client = APIClient()
    response = client.post("/accounts/login/", {"login": username, "password": TEST_PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"
    return client


def _module(client: APIClient, name: str) -> dict:
    body = client.get("/api/v1/me/completeness/").json()
    return next(item for item in body["modules"] if item["module"] == name)


@pytest.fixture
def world(transactional_db, tmp_path):
    """The content: what editors, the programme and its configuration provide."""
    roles_sync()  # the role groups with their grants, as a deployment has them
    today = timezone.localdate()
    season = SeasonFactory(
        interviews_starts_on=today - timedelta(days=3), interviews_ends_on=today + timedelta(days=20)
    )
    InterviewPlan.objects.create(season=season, offers_online=True, offers_offline=False, cancel_cutoff_hours=24)
    course = course_make(season=season)
    speaker = SpeakerFactory(user=_role(UserFactory(username="speaker-chain"), roles.SPEAKER))
    starts_at = timezone.now().replace(microsecond=0) + timedelta(minutes=1)
    session = LiveSessionFactory(
        season=season,
        course=course,
        speakers=[speaker],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        delivery="url",
        room_url="https://meet.example.org/chain",
    )
    bank = QuestionBankFactory()
    QuestionFactory(bank=bank, text="Столица России?", options=["Казань", "Москва"], correct_options=[1])
    QuestionFactory(bank=bank, text="Сколько субъектов в ЦФО?", options=["18", "7"], correct_options=[0])
    quiz = QuizFactory(season=season, title="Итоговый тест", banks=[bank], question_count=2, pass_mark=0.6)
    staff = UserFactory(username="staff-chain", is_staff=True, first_name="Мария", last_name="Штатная")
    _role(staff, roles.STAFF)
    expert_a = _role(UserFactory(username="expert-chain-a", first_name="Анна", last_name="Экспертова"), roles.EXPERT)
    expert_b = _role(UserFactory(username="expert-chain-b", first_name="Борис", last_name="Оценщиков"), roles.EXPERT)
    return {
        "season": season,
        "course": course,
        "clip": make_clip(tmp_path / "clip.mp4", seconds=4),
        "session": session,
        "speaker": speaker,
        "quiz": quiz,
        "staff": staff,
        "expert_a": expert_a,
        "expert_b": expert_b,
    }


@pytest.mark.browser
@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_one_participant_through_the_whole_chain(world, celery_worker_process, page, settings):
    settings.LIVE_DERIVE_DEBOUNCE_SECONDS = 1  # the derivation is queued 2 s after the session ends
    worker = celery_worker_process()
    season = world["season"]

    # The lecture's video, uploaded by an editor; the worker transcodes it (content, but through
    # the real pipeline, so the player gets a real HLS stream).
    asset = video_asset_create(title="Лекция о госслужбе", source=world["clip"])
    wait_for(
        lambda: VideoAsset.objects.get(pk=asset.pk).state == VideoAsset.State.READY,
        timeout=60,
        message="the worker did not transcode the lecture's clip",
    )
    lecture = lecture_make(course=world["course"], video=VideoAsset.objects.get(pk=asset.pk))

    # ---------------------------------------------------------------- 1. applies and is placed
    born = timezone.localdate().replace(year=timezone.localdate().year - 22, day=1)
    application = {
        "season": season.id,
        "password": TEST_PASSWORD,
        "last_name": "Цепочкина",
        "first_name": "Ольга",
        "patronymic": "Андреевна",
        "email": EMAIL,
        "date_of_birth": born.isoformat(),
        "region_code": "66",
        "education_level": "higher_incomplete",
        "institution": "УрФУ",
        "studies_public_administration": True,
        "internship_preference": "foiv",
        "internship_reason": "Хочу понять, как готовятся федеральные решения.",
        "personal_data_consent": True,
        "citizenship": "ru",
    }
    response = APIClient().post("/api/v1/applications/", application, format="json")
    assert response.status_code == 202, response.content  # held until the address is confirmed
    confirmation = next(letter for letter in mail.outbox if letter.to == [EMAIL])
    assert APIClient().post(confirmation_path(confirmation)).status_code == 302
    participant = _signed_in(EMAIL)
    cabinet = participant.get("/cabinet/").content.decode()
    assert 'data-testid="level">Молодые<' in cabinet
    me = participant.get("/api/v1/me/").json()
    assert (me["level"], me["season"]["id"], me["federal_district"]) == ("young", season.id, "ural")
    participant_id = participant.get("/api/v1/me/completeness/").json()["participant_id"]

    # ---------------------------------------------------------------- 2. watches the lecture
    listed = participant.get("/api/v1/lectures/").json()
    assert [(row["id"], row["state"], row["completed"]) for row in listed] == [(lecture.id, "open", False)]
    login(page, EMAIL, TEST_PASSWORD)
    beats = []
    page.on(
        "response", lambda r: beats.append(r.status) if f"/api/v1/lectures/{lecture.id}/progress/" in r.url else None
    )
    page.goto(f"{page.base_url}{lecture.url}")
    page.wait_for_selector("video")
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('[data-progress-text]').textContent"
        " === document.querySelector('[data-lecture-player]').dataset.completedText",
        timeout=10_000,
    )
    screenshot(page, "whole-chain-lecture")
    assert len(beats) >= 2 and set(beats) == {200}
    detail = participant.get(f"/api/v1/lectures/{lecture.id}/").json()
    assert detail["completed"] and detail["progress"] >= 0.9
    # Credited in Redis only: the database (which the completeness reads) has nothing yet.
    assert _module(participant, "recorded")["value"] == 0.0
    assert lecture_progress_flush_task.delay().get(timeout=30) >= 1  # run by the worker
    recorded = _module(participant, "recorded")
    assert (recorded["value"], recorded["done"]) == (1.0, [lecture.title])
    assert (
        f'class="lecture lecture-completed" data-testid="lecture-{lecture.id}"'
        in participant.get("/cabinet/").content.decode()
    )

    # ---------------------------------------------------------------- 3. attends the live session
    session, speaker = world["session"], _signed_in(world["speaker"].user.username)
    html = participant.get(f"/live/{session.pk}/").content.decode()
    assert 'data-testid="join"' in html
    # As the page's script reads it: from its data attribute (HTML-escaped, like any attribute).
    key = html_unescape(re.search(r'data-key="([^"]+)"', html).group(1))
    connection = str(uuid.uuid4())

    def beat(seq: int) -> int:
        # As the page does: no cookies, the signed key in its header.
        return (
            Client()
            .post(
                f"/api/v1/live-sessions/{session.pk}/presence/",
                {"connection_id": connection, "seq": seq, "visible": True},
                content_type="application/json",
                headers={PRESENCE_HEADER: key},
            )
            .status_code
        )

    assert beat(0) == 202  # the room opened before the speaker starts
    assert speaker.post(f"/live/console/{session.pk}/start/").status_code == 302
    renewed = participant.post(f"/api/v1/live-sessions/{session.pk}/presence-key/")
    assert renewed.status_code == 201
    key = renewed.json()["key"]
    assert beat(1) == 202
    time.sleep(2)
    assert beat(2) == 202
    assert participant.get("/api/v1/live-sessions/").json()[0]["presence"] is None
    assert speaker.post(f"/live/console/{session.pk}/end/").status_code == 302
    presence = wait_for(
        lambda: participant.get("/api/v1/live-sessions/").json()[0]["presence"],
        timeout=30,
        message="the worker did not derive the attendance",
    )
    assert presence["status"] == "present" and presence["percent"] == 100.0 and presence["covered_seconds"] >= 2
    assert f"{session.title} — " in (past := participant.get("/cabinet/").content.decode())
    assert "100,0% (Присутствовал)" in past

    # ---------------------------------------------------------------- 4. passes the test
    quiz = world["quiz"]
    assert [q["id"] for q in participant.get("/api/v1/quizzes/").json()] == [quiz.id]
    started = participant.post(f"/api/v1/quizzes/{quiz.id}/attempts/")
    assert started.status_code == 201, started.content
    attempt = started.json()
    known = {"Столица России?": "Москва", "Сколько субъектов в ЦФО?": "18"}
    for question in attempt["questions"]:
        answer = question["options"].index(known[question["text"]])
        saved = participant.put(
            f"/api/v1/attempts/{attempt['id']}/answers/{question['id']}/", {"value": answer}, format="json"
        )
        assert saved.status_code == 200, saved.content
    result = participant.post(f"/api/v1/attempts/{attempt['id']}/submit/").json()
    assert result["closed"] and result["score"] == 1.0 and result["passed"] is True
    assert _module(participant, "tests")["value"] == 1.0

    # ---------------------------------------------------------------- 5. admitted by a run
    # Content: the deadlines pass (both were met), the schedule becomes the session as held.
    now = timezone.now()
    LecturePage.objects.filter(pk=lecture.pk).update(deadline=now)
    Quiz.objects.filter(pk=quiz.pk).update(closes_at=now)
    held = LiveSession.objects.get(pk=session.pk)
    LiveSession.objects.filter(pk=session.pk).update(starts_at=held.actual_started_at, ends_at=held.actual_ended_at)
    assert {m["module"]: m["value"] for m in participant.get("/api/v1/me/completeness/").json()["modules"]} == {
        "live": 1.0,
        "recorded": 1.0,
        "tests": 1.0,
    }
    assert participant.get("/api/v1/me/admission/").json() == {"published": False}

    staff = _signed_in(world["staff"].username)
    assert staff.get("/staff/admission/").status_code == 200
    response = staff.post("/staff/admission/", {"season": season.id, "track": "introductory"})
    assert response.status_code == 302
    run_id = int(re.search(r"/staff/admission/runs/(\d+)/", response["Location"]).group(1))
    run = wait_for(
        lambda: (body := staff.get(f"/api/v1/admission-runs/{run_id}/").json())["status"] == "done" and body,
        timeout=60,
        message="the worker did not execute the admission run",
    )
    assert run["progress"] == 100 and run["participant_count"] == 1
    assert [(d["participant_id"], d["decision"]) for d in run["decisions"]] == [(participant_id, "admitted")]
    run_page = staff.get(f"/staff/admission/runs/{run_id}/").content.decode()
    assert f'data-testid="decision-{participant_id}"' in run_page and "Опубликовать решения" in run_page
    assert staff.post(f"/staff/admission/runs/{run_id}/publish/", {"confirm": "on"}).status_code == 302
    assert 'data-testid="run-published"' in staff.get(f"/staff/admission/runs/{run_id}/").content.decode()
    decision = participant.get("/api/v1/me/admission/").json()
    assert (decision["published"], decision["run_id"], decision["decision"]) == (True, run_id, "admitted")

    # ---------------------------------------------------------------- 6. books an interview slot
    expert_a = _signed_in(world["expert_a"].username)
    day = timezone.localdate() + timedelta(days=3)
    form = {"action": "slot", "season": season.id, "day": day.isoformat(), "starts": "10:00", "duration": "30"}
    form.update(meeting_url="https://meet.example.org/anna", room="")
    assert expert_a.post("/expert/availability/", form).status_code == 302
    slots = participant.get("/api/v1/interview-slots/").json()["results"]
    assert [(s["expert"], s["online"]) for s in slots] == [("Анна Экспертова", True)]
    cabinet = participant.get("/cabinet/").content.decode()
    assert "Допущен к собеседованию" in cabinet and f'name="slot" value="{slots[0]["id"]}"' in cabinet
    assert participant.post("/cabinet/interview/book/", {"slot": slots[0]["id"]}).status_code == 302
    booked = participant.get("/cabinet/").content.decode()
    assert re.search(r'data-testid="interview-booked">[^<]*Анна Экспертова', booked)
    assert participant.get("/api/v1/interview-slots/").json()["results"] == []

    # ---------------------------------------------------------------- 7. scored by two experts
    # The interview takes place: a sheet is submitted from its start on.
    begun = timezone.now() - timedelta(minutes=5)
    InterviewSlot.objects.filter(interviews__id__isnull=False).update(
        starts_at=begun, ends_at=begun + timedelta(minutes=30)
    )
    listing = expert_a.get("/expert/interviews/").content.decode()
    interview_id = int(re.search(r'href="/expert/interviews/(\d+)/">Цепочкина', listing).group(1))
    expert_b = _signed_in(world["expert_b"].username)
    sheet_url = f"/api/v1/interviews/{interview_id}/sheet/"
    rubric_b = {"motivation": 3, "communication": 3, "knowledge": 3, "initiative": 3}
    assert expert_b.put(sheet_url, {"topics": {}, "rubric": rubric_b}, format="json").status_code == 403
    added = staff.post(
        "/django-admin/assessments/expertassignment/add/",
        {"expert": world["expert_b"].pk, "participant": participant_id},
    )
    assert added.status_code == 302, added.content.decode()[:2000]

    page_url = f"/expert/interviews/{interview_id}/"
    assert expert_a.post(page_url, {"start": ""}).status_code == 302
    assert expert_a.post(page_url, {"stop": ""}).status_code == 302
    sheet = {"topic_study": "on", "topic_internship": "on", "comment": "Уверенно", "recommended_level": ""}
    sheet.update({f"rubric_{name}": "4" for name in ("motivation", "communication", "knowledge", "initiative")})
    assert expert_a.post(page_url, sheet).status_code == 302
    scored = expert_b.put(
        sheet_url,
        {"topics": {"study": True, "proposals": True}, "rubric": rubric_b, "comment": "Хорошо"},
        format="json",
    )
    assert scored.status_code == 200 and scored.json()["total"] == 0.6

    rows = staff.get(f"/api/v1/seasons/{season.id}/candidates/", {"direction": "foiv"}).json()
    assert [(r["participant_id"], r["experts"], r["level"], r["recommended_level"]) for r in rows] == [
        (participant_id, 2, "young", "young")
    ]
    assert rows[0]["average"] == pytest.approx((0.8 + 0.6) / 2)
    assert rows[0]["criteria"] == {"motivation": 3.5, "communication": 3.5, "knowledge": 3.5, "initiative": 3.5}
    html = staff.get("/staff/candidates/", {"season": season.id}).content.decode()
    foiv = html.split('data-testid="direction-foiv"')[1].split("</section>")[0]
    row = foiv.split(f'data-testid="candidate-{participant_id}"')[1].split("</tr>")[0]
    assert "Цепочкина" in row and ">2<" in row and ">70%<" in row
    assert worker.poll() is None, "the worker died on the way"


@pytest.mark.django_db
def test_a_season_without_an_interview_plan_offers_in_the_cabinet_the_slots_the_api_books(client):
    today = timezone.localdate()
    season = SeasonFactory(
        interviews_starts_on=today - timedelta(days=3), interviews_ends_on=today + timedelta(days=20)
    )
    person = ParticipantFactory(season=season)
    _admit(person)  # a published run admitting them (built directly: this is about the booking form)
    expert = _role(UserFactory(username="expert-no-plan"), roles.EXPERT)
    slots = [
        interview_slot_create(
            expert=expert,
            season=season,
            starts_at=timezone.now() + timedelta(days=3, hours=hours),
            duration_minutes=30,
            meeting_url="https://meet.example.org/no-plan",
            room="",
        )
        for hours in (0, 1)
    ]
    client.force_login(person.user)
    assert [s["id"] for s in client.get("/api/v1/interview-slots/").json()["results"]] == [slot.id for slot in slots]
    assert client.post(f"/api/v1/interview-slots/{slots[0].id}/bookings/").status_code == 201
    cabinet = client.get("/cabinet/").content.decode()
    assert 'data-testid="interview-booked"' in cabinet
    # The booking may be moved to the other free slot (the API would move it): the form should offer it.
    assert f'name="slot" value="{slots[1].id}"' in cabinet
