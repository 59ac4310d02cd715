import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from live.models import Attendance
from live.tests.factories import LiveSessionFactory
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory
from tests.plugin import wait_for

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_webhooks_answer_at_once_and_a_worker_derives_the_figures(client, settings, celery_worker_process):
    settings.LIVE_BBB_SECRET = "ExampleSharedSecret-do-not-use-0123456789"
    settings.LIVE_BBB_WEBHOOK_CALLBACK_URL = "https://prokadry.example.org/integrations/bbb/webhook/"
    settings.LIVE_DERIVE_DEBOUNCE_SECONDS = 1
    season = SeasonFactory()
    session = LiveSessionFactory(
        season=season,
        starts_at=datetime(2025, 9, 10, 12, 0, tzinfo=UTC),
        ends_at=datetime(2025, 9, 10, 13, 30, tzinfo=UTC),
        external_meeting_id="prk-2025-live-07",
    )
    person = ParticipantFactory(season=season, application__user=UserFactory(id=1042))
    celery_worker_process()
    for request in json.loads((FIXTURES / "bbb-webhook-requests.json").read_text())["requests"]:
        query = request["request_url"].split("?", 1)[1]
        response = client.post(
            f"/integrations/bbb/webhook/?{query}", data=request["body"].encode(), content_type=request["content_type"]
        )
        assert response.status_code == 200
    row = wait_for(lambda: Attendance.objects.filter(session=session, user=person.user).first(), timeout=60)
    assert 4092 <= row.covered_seconds <= 4093
    assert row.sources == ["bbb"]
