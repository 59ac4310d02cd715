"""The admission run as a real Celery task: enqueued after commit, claimed once, progress to 100."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.models import AdmissionRun
from assessments.tasks import admission_run_execute_task
from assessments.tests.factories import QuizFactory, attempt_closed
from lms import roles
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import wait_for


@pytest.mark.worker
def test_a_worker_runs_the_admission_and_a_redelivery_does_nothing(celery_worker_process):
    season = SeasonFactory()
    quiz = QuizFactory(season=season)
    passed, failed = ParticipantFactory(season=season), ParticipantFactory(season=season)
    attempt_closed(quiz=quiz, user=passed.user, number=1, score=0.9)
    attempt_closed(quiz=quiz, user=failed.user, number=1, score=0.1)
    staff = UserFactory(username="worker-staff")
    staff.groups.add(Group.objects.get_or_create(name=roles.STAFF)[0])
    worker = celery_worker_process(queues="default")
    client = APIClient()
    client.force_authenticate(staff)
    response = client.post(
        reverse("assessments:run-create", args=[season.id]), {"track": "introductory"}, format="json"
    )
    assert response.status_code == 201 and response.json()["status"] in ("pending", "running", "done")
    run_id = response.json()["id"]
    wait_for(lambda: AdmissionRun.objects.get(pk=run_id).status == "done", timeout=60, message="run not done")
    body = client.get(reverse("assessments:run-detail", args=[run_id])).json()
    assert body["progress"] == 100
    decisions = {d["participant_id"]: d["decision"] for d in body["decisions"]}
    assert decisions == {passed.id: "admitted", failed.id: "not_admitted"}
    assert admission_run_execute_task.delay(run_id).get(timeout=60) is None  # claimed already
    assert AdmissionRun.objects.get(pk=run_id).decisions.count() == 2
    assert worker.poll() is None
