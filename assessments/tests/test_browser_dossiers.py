"""Issue 15 §7 in the browser: staff close the season's dossiers (prepare the outbox), read the
regional dossiers, see a region blocked for want of an address, and send Moscow's. Axe-clean."""

import pytest
from django.core import mail

from assessments.models import Dossier
from assessments.tests.test_dossiers import world  # noqa: F401 (the fixture)
from tests.factories import TEST_PASSWORD
from tests.plugin import axe_violations, login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_prepare_the_outbox_read_the_regional_dossiers_and_send_one(page, world):  # noqa: F811
    w = world
    login(page, w["staff"].username, TEST_PASSWORD)
    page.goto(f"{page.base_url}/staff/dossiers/?season={w['season'].pk}")
    assert "Для этого сезона досье не подготовлены." in page.content()
    page.click("button[name=prepare]")
    page.wait_for_load_state("networkidle")
    moscow = page.locator("[data-testid=dossier-77] td").all_inner_texts()
    spb = page.locator("[data-testid=dossier-78] td").all_inner_texts()
    # Moscow: Иванов, Петров and Орлова (the award) go, Сидоров is left out for want of a consent.
    assert moscow[1:4] == ["3", "1", "a@mos.test, b@mos.test"]
    assert spb[3] == "Заблокировано: нет адреса"
    assert axe_violations(page) == []
    screenshot(page, "dossiers-outbox")

    page.click("[data-testid=dossier-77] >> text=Просмотр")
    page.wait_for_load_state("networkidle")
    finalists = page.locator("[data-testid^=finalist-] th, [data-testid^=finalist-] td").all_inner_texts()
    assert any("Иванов" in cell for cell in finalists) and any("Орлова" in cell for cell in finalists)
    assert not any("Сидоров" in cell for cell in finalists)
    assert "Сидоров" in page.locator("[data-testid^=left-out-]").all_inner_texts()[0]
    assert axe_violations(page) == []
    page.go_back()

    page.click("[data-testid=dossier-77] >> button[name=send]")
    page.wait_for_load_state("networkidle")
    assert "Отправлено" in page.locator("[data-testid=dossier-77]").inner_text()
    assert Dossier.objects.get(season=w["season"], region_code="77").status == "sent"
    assert [tuple(message.to) for message in mail.outbox] == [("a@mos.test", "b@mos.test")]
    screenshot(page, "dossiers-sent")
