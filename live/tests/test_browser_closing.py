"""Issue 15 §5 in the browser: a participant registers for the season's closing meeting and one of
its two parallel discussion panels from the cabinet; the second panel of the same slot is refused
in words; the cabinet then offers the cancellation. Axe-clean."""

import pytest

from live.models import SessionRegistration
from live.tests.factories import season_session_make
from tests.factories import TEST_PASSWORD, ParticipantFactory, SeasonFactory
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_participant_registers_for_the_closing_meeting_and_one_panel(page):
    season = SeasonFactory(name="Сезон закрытия")
    person = ParticipantFactory(season=season, application__user__username="closing-guest")
    meeting = season_session_make(season=season, title="Итоговая встреча сезона", capacity=100)
    first = season_session_make(season=season, parent=meeting, title="Панель «Цифровое государство»", capacity=2)
    second = season_session_make(season=season, parent=meeting, title="Панель «Регионы»", capacity=2)

    login(page, "closing-guest", TEST_PASSWORD)
    page.goto(f"{page.base_url}/cabinet/")
    for session in (meeting, first):
        page.click(f"li[data-session='{session.pk}'] >> text=Зарегистрироваться")
        page.wait_for_load_state("networkidle")
    page.click(f"li[data-session='{second.pk}'] >> text=Зарегистрироваться")
    page.wait_for_load_state("networkidle")
    assert "В это же время вы зарегистрированы на секцию «Панель «Цифровое государство»»" in page.content()
    assert set(SessionRegistration.objects.filter(user=person.user).values_list("session_id", flat=True)) == {
        meeting.pk,
        first.pk,
    }
    mine = page.locator(f"li[data-session='{first.pk}']").inner_text()
    assert "Отменить регистрацию" in mine and "Зарегистрироваться" not in mine
    assert "Зарегистрироваться" in page.locator(f"li[data-session='{second.pk}']").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "closing-meeting-cabinet")
