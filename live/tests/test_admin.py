import pytest

from live.tests.factories import LiveSessionFactory, SpeakerFactory
from tests.factories import UserFactory


@pytest.mark.django_db
def test_sessions_and_speakers_are_managed_in_wagtail_admin(client):
    session = LiveSessionFactory(title="Эфир в админке")
    speaker = SpeakerFactory(name="Спикер в админке")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    listing = client.get("/cms/live_sessions/")
    assert listing.status_code == 200 and "Эфир в админке" in listing.content.decode()
    assert client.get(f"/cms/live_sessions/edit/{session.pk}/").status_code == 200
    snippets = client.get("/cms/snippets/live/speaker/")
    assert snippets.status_code == 200 and "Спикер в админке" in snippets.content.decode()
    assert client.get(f"/cms/snippets/live/speaker/edit/{speaker.pk}/").status_code == 200


@pytest.mark.django_db
def test_model_rules_speak_in_words_on_their_fields():
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import translation

    session = LiveSessionFactory()
    session.delivery, session.place = "offline", "  "
    session.ends_at = session.starts_at - timedelta(minutes=1)
    session.threshold_percent = 150
    with translation.override("ru"), pytest.raises(ValidationError) as error:
        session.full_clean()
    errors = error.value.message_dict
    assert errors["place"] == ["Для очной встречи нужно указать место."]
    assert errors["ends_at"] == ["Эфир должен заканчиваться позже, чем начинается."]
    assert errors["__all__"] == ["Порог присутствия должен быть от 1 до 100 процентов."]
    assert not any("live_session_" in message for messages in errors.values() for message in messages)
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            session.full_clean()
        # The messages are lazy: read them while English is active.
        assert error.value.message_dict["place"] == ["An offline meeting needs a place."]

    session.refresh_from_db()
    session.actual_ended_at = session.starts_at  # an end with no start
    with translation.override("ru"), pytest.raises(ValidationError) as error:
        session.full_clean()
    assert error.value.messages == ["Эфир может закончиться только после фактического начала."]


@pytest.mark.django_db
def test_wagtail_edit_shows_the_rules_in_words_not_constraint_names(client):
    session = LiveSessionFactory(title="Очная встреча")
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    url = f"/cms/live_sessions/edit/{session.pk}/"
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "title": "Очная встреча",
            "course": session.course_id,
            "season": session.season_id,
            "starts_at": "2026-09-01 15:00",
            "ends_at": "2026-09-01 14:00",
            "delivery": "offline",
            "place": "",
            "speakers": [],
            "required": "on",
        }
    )
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with its errors
    assert "Для очной встречи нужно указать место." in html
    assert "Эфир должен заканчиваться позже, чем начинается." in html
    assert "live_session_offline_has_place" not in html and "live_session_ends_after_start" not in html
    session.refresh_from_db()
    assert session.delivery != "offline"
