"""Candidates per direction after the interviews: ROIV internships for Beginners, FOIV interviews
for Young and PRO, moved by the experts' averaged recommendation; a candidate's earlier seasons
recognised; the staff page and exports."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from assessments.models import Award, Interview, InterviewSheet, InterviewSlot
from assessments.selectors.interviews import (
    candidates_by_direction,
    candidates_list,
    candidates_table,
    candidates_with_earlier_seasons,
    level_recommended,
)
from lms import roles
from lms.models import Consent, ConsentPurpose, Level
from tests.factories import ParticipantFactory, SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db

RUBRIC_NAMES = ("motivation", "communication", "knowledge", "initiative")


@pytest.mark.parametrize(
    ("current", "recommendations", "expected"),
    [
        (Level.BEGINNER, ["", ""], Level.BEGINNER),
        (Level.BEGINNER, [Level.YOUNG, Level.YOUNG], Level.YOUNG),
        (Level.BEGINNER, [Level.YOUNG, ""], Level.BEGINNER),  # a tie keeps the current level
        (Level.BEGINNER, [Level.YOUNG, Level.YOUNG, ""], Level.YOUNG),
        (Level.BEGINNER, [Level.PRO, ""], Level.YOUNG),  # the average of Beginner and PRO
        (Level.YOUNG, [Level.BEGINNER, ""], Level.YOUNG),
        (Level.YOUNG, [Level.BEGINNER, Level.BEGINNER], Level.BEGINNER),
        (Level.PRO, [Level.BEGINNER, Level.YOUNG], Level.YOUNG),  # mean 0.5: the side of PRO
        (Level.PRO, [], Level.PRO),
    ],
)
def test_the_recommended_level_is_the_experts_average(current, recommendations, expected):
    assert level_recommended(current=current, recommendations=recommendations) == expected


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def world():
    season = SeasonFactory(name="Сезон кандидатов")
    experts = [_role(UserFactory(username=f"cand-expert-{n}"), roles.EXPERT) for n in range(2)]
    return season, experts


_hours = iter(range(1, 10_000))


def interviewed(season, experts, participant, sheets):
    """An interview of `participant` with one submitted sheet per (score for every criterion,
    recommended level) in `sheets`, each by the next expert."""
    starts = timezone.now() + timedelta(days=2, hours=next(_hours))
    slot = InterviewSlot.objects.create(
        season=season, expert=experts[0], starts_at=starts, ends_at=starts + timedelta(minutes=30)
    )
    interview = Interview.objects.create(participant=participant, slot=slot)
    for expert, (score, level) in zip(experts, sheets, strict=False):
        InterviewSheet.objects.create(
            interview=interview,
            expert=expert,
            rubric=dict.fromkeys(RUBRIC_NAMES, score),
            recommended_level=level,
            overrun_seconds=30,
            submitted_at=timezone.now(),
        )
    return interview


def _person(season, level, last_name):
    return ParticipantFactory(season=season, level=level, application__user__last_name=last_name)


@pytest.fixture
def candidates(world):
    season, experts = world
    stays = _person(season, Level.BEGINNER, "Остаётся")
    moved_up = _person(season, Level.BEGINNER, "Повышенная")
    young = _person(season, Level.YOUNG, "Молодой")
    tie = _person(season, Level.YOUNG, "Ничья")
    interviewed(season, experts, stays, [(3, ""), (4, "")])
    interviewed(season, experts, moved_up, [(5, Level.YOUNG), (4, Level.YOUNG)])
    interviewed(season, experts, young, [(2, "")])
    interviewed(season, experts, tie, [(4, Level.BEGINNER), (4, "")])
    # Interviewed, but no sheet submitted yet: not a candidate.
    interviewed(season, experts, _person(season, Level.PRO, "Безоценки"), [])
    return season, {"stays": stays, "moved_up": moved_up, "young": young, "tie": tie}


def test_candidates_go_to_the_direction_of_the_recommended_level(candidates):
    season, people = candidates
    directions = candidates_by_direction(season_id=season.id)
    roiv = {row["participant_id"]: row for row in directions["roiv"]}
    foiv = {row["participant_id"]: row for row in directions["foiv"]}
    assert set(roiv) == {people["stays"].id}
    assert [row["participant_id"] for row in directions["foiv"]] == [
        people["moved_up"].id,  # 0.9 average
        people["tie"].id,  # 0.8
        people["young"].id,  # 0.4
    ]
    moved = foiv[people["moved_up"].id]
    assert (moved["level"], moved["recommended_level"], moved["moved"]) == ("beginner", "young", True)
    assert moved["average"] == pytest.approx(0.9) and moved["criteria"]["motivation"] == 4.5
    assert moved["experts"] == 2 and moved["overrun_seconds"] == 30
    tie = foiv[people["tie"].id]
    assert (tie["recommended_level"], tie["moved"]) == ("young", False)
    assert not roiv[people["stays"].id]["moved"]


def test_candidates_query_count_is_fixed(world, django_assert_num_queries):
    season, experts = world
    interviewed(season, experts, _person(season, Level.BEGINNER, "Первый"), [(3, ""), (4, Level.YOUNG)])
    # interviews with their sheets counted (1), the participants from lms's selector (1), the
    # season's rubric (1; its criteria too when it has one), the interview plan for the discussion
    # threshold (1), the submitted sheets (1)
    with django_assert_num_queries(5):
        assert sum(map(len, candidates_by_direction(season_id=season.id).values())) == 1
    interviewed(season, experts, _person(season, Level.PRO, "Второй"), [(3, Level.BEGINNER), (4, "")])
    with django_assert_num_queries(5):
        assert sum(map(len, candidates_by_direction(season_id=season.id).values())) == 2


def test_exports_have_translated_headers_and_labels(candidates):
    season, people = candidates
    staff = _role(UserFactory(username="cand-staff-api"), roles.STAFF)
    client = APIClient()
    client.force_authenticate(staff)
    url = reverse("assessments:candidates", args=[season.id])
    body = client.get(url, {"direction": "foiv"}).json()
    assert body[0]["moved"] and body[0]["recommended_level"] == "young" and body[0]["criteria"]["knowledge"] == 4.5

    response = client.get(url, {"direction": "foiv", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["ID участника", "Участник", "Федеральный округ"]
    assert "Уровень, рекомендованный экспертами" in header and "Средний балл, %" in header
    assert "Мотивация, среднее из 0–5" in header
    moved = next(row for row in rows[1:] if row[0] == str(people["moved_up"].id))
    assert moved[3:7] == ["Начинающие", "Молодые", "Собеседования в ФОИВ (молодые и PRO)", "да"]
    assert moved[8] == "90.0"

    response = client.get(url, {"direction": "roiv", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=1, column=2).value == "Участник"
    assert sheet.cell(row=2, column=2).value.startswith("Остаётся")
    assert sheet.max_row == 2

    with translation.override("en"):
        header, _body = candidates_table(rows=candidates_list(season_id=season.id, direction="roiv"))
    assert header[:2] == ["Participant ID", "Participant"] and "Motivation, average of 0–5" in header


def test_the_staff_page_shows_both_directions_and_says_the_rule(candidates, client):
    season, people = candidates
    staff = _role(UserFactory(username="cand-staff"), roles.STAFF)
    client.force_login(staff)
    workspace = client.get(reverse("cabinet")).content.decode()
    assert reverse("assessments:candidates-page") in workspace and "Кандидаты по направлениям" in workspace

    response = client.get(reverse("assessments:candidates-page"), {"season": season.id})
    assert response.status_code == 200
    html = response.content.decode()
    roiv = html.split('data-testid="direction-roiv"')[1].split("</section>")[0]
    foiv = html.split('data-testid="direction-foiv"')[1].split("</section>")[0]
    assert f'data-testid="candidate-{people["stays"].id}"' in roiv
    assert f'data-testid="candidate-{people["moved_up"].id}"' in foiv
    assert "Начинающие → <strong>Молодые</strong>" in foiv and "перенесён из РОИВ" in foiv
    assert "90%" in foiv
    assert f"{reverse('assessments:candidates', args=[season.id])}?direction=foiv&amp;format=xlsx" in foiv
    assert "ничья оставляет текущий" in html


def test_the_staff_page_refuses_a_bad_season_and_non_staff(candidates, client):
    season, people = candidates
    staff = _role(UserFactory(username="cand-staff-2"), roles.STAFF)
    client.force_login(staff)
    for value in ("abc", "²", "424242"):
        response = client.get(reverse("assessments:candidates-page"), {"season": value})
        html = response.content.decode()
        assert response.status_code == 400 and "Такого сезона нет" in html and "Сезонов пока нет" not in html
    assert client.get(reverse("assessments:candidates-page")).status_code == 200
    client.force_login(people["stays"].user)
    assert client.get(reverse("assessments:candidates-page")).status_code == 403


def test_the_staff_page_query_count_is_fixed(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    season, experts = world
    staff = _role(UserFactory(username="cand-staff-3"), roles.STAFF)
    client.force_login(staff)
    url = reverse("assessments:candidates-page")
    interviewed(season, experts, _person(season, Level.BEGINNER, "Первый"), [(3, "")])
    client.get(url, {"season": season.id})  # the first request of a session loads what later ones reuse

    with CaptureQueriesContext(connection) as first:
        assert client.get(url, {"season": season.id}).status_code == 200
    interviewed(season, experts, _person(season, Level.YOUNG, "Второй"), [(3, ""), (5, Level.PRO)])
    with CaptureQueriesContext(connection) as second:
        response = client.get(url, {"season": season.id})
    assert response.status_code == 200 and response.content.decode().count('data-testid="candidate-') == 2
    assert len(second.captured_queries) == len(first.captured_queries)


def test_the_candidates_export_writes_a_name_like_a_formula_as_text(world):
    season, experts = world
    person = _person(season, Level.BEGINNER, '=HYPERLINK("http://x.example","click")')
    interviewed(season, experts, person, [(4, "")])
    client = APIClient()
    client.force_authenticate(_role(UserFactory(username="cand-staff-injection"), roles.STAFF))
    url = reverse("assessments:candidates", args=[season.id])
    text = client.get(url, {"direction": "roiv", "format": "csv"}).content.decode("utf-8-sig")
    row = next(row for row in csv.reader(io.StringIO(text)) if row[0] == str(person.id))
    assert row[1].startswith("'=HYPERLINK")
    sheet = load_workbook(io.BytesIO(client.get(url, {"direction": "roiv", "format": "xlsx"}).content)).active
    cell = next(row for row in sheet.iter_rows(min_row=2) if str(row[0].value) == str(person.id))[1]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.fixture
def returning(world):
    """Season 2025 (a year earlier): Вернувшаяся a finalist with the best-project award and the
    talent pool's consent; Молчаливый took part without that consent. Both interviewed in the
    candidates' season now, with Новенькая, who comes for the first time."""
    season, experts = world
    staff = _role(UserFactory(username="cand-staff-pool"), roles.STAFF)
    earlier = SeasonFactory(name="Сезон 2025", campaign_starts_on=timezone.localdate() - timedelta(days=400))
    back = _person(earlier, Level.YOUNG, "Вернувшаяся")
    Consent.objects.create(
        application=back.application, purpose=ConsentPurpose.TALENT_POOL, text_version="v1", given_at=timezone.now()
    )
    for kind in ("finalist", "best_project"):
        Award.objects.create(participant=back, season=earlier, kind=kind, awarded_by=staff)
    quiet = _person(earlier, Level.YOUNG, "Молчаливый")
    now = {
        "back": ParticipantFactory(season=season, level=Level.YOUNG, application__user=back.user),
        "quiet": ParticipantFactory(season=season, level=Level.YOUNG, application__user=quiet.user),
        "new": _person(season, Level.YOUNG, "Новенькая"),
    }
    for participant in now.values():
        interviewed(season, experts, participant, [(4, "")])
    return season, staff, back, now, experts


def test_a_candidate_of_an_earlier_season_is_recognised(returning, client):
    season, staff, back, now, experts = returning
    rows = {row["participant_id"]: row for row in candidates_list(season_id=season.id, direction="foiv")}
    (item,) = rows[now["back"].pk]["earlier_seasons"]
    assert (item["season"], item["in_pool"], item["finalist"]) == ("Сезон 2025", True, True)
    assert item["awards"] == ["best_project", "finalist"]
    (bare,) = rows[now["quiet"].pk]["earlier_seasons"]
    assert (bare["season"], bare["in_pool"], bare["finalist"], bare["awards"]) == ("Сезон 2025", False, None, [])
    assert rows[now["new"].pk]["earlier_seasons"] == []

    client.force_login(staff)
    html = client.get(reverse("assessments:candidates-page"), {"season": season.id}).content.decode()
    back_row = html.split(f'data-testid="candidate-{now["back"].pk}"')[1].split("</tr>")[0]
    pool = reverse("assessments:talent-pool")
    assert f'href="{pool}?person={back.user_id}"' in back_row
    assert "Прошлый сезон: Сезон 2025 (финалист; награды: Лучший проект)" in back_row
    quiet_row = html.split(f'data-testid="candidate-{now["quiet"].pk}"')[1].split("</tr>")[0]
    assert "Прошлый сезон: Сезон 2025<" in quiet_row and pool not in quiet_row
    new_row = html.split(f'data-testid="candidate-{now["new"].pk}"')[1].split("</tr>")[0]
    assert "earlier-seasons" not in new_row

    api = APIClient()
    api.force_authenticate(staff)
    url = reverse("assessments:candidates", args=[season.id])
    body = {row["participant_id"]: row for row in api.get(url, {"direction": "foiv"}).json()}
    assert body[now["back"].pk]["earlier_seasons"] == [
        {
            "season_id": back.season_id,
            "season": "Сезон 2025",
            "left": False,
            "in_pool": True,
            "finalist": True,
            "awards": ["best_project", "finalist"],
            "internship_host": None,
        }
    ]
    assert body[now["quiet"].pk]["earlier_seasons"][0]["finalist"] is None
    export = api.get(url, {"direction": "foiv", "format": "csv"}).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(export)))
    assert lines[0][-1] == "Прошлые сезоны"
    by_id = {line[0]: line[-1] for line in lines[1:]}
    assert by_id[str(now["back"].pk)] == "Сезон 2025 (финалист; награды: Лучший проект)"
    assert (by_id[str(now["quiet"].pk)], by_id[str(now["new"].pk)]) == ("Сезон 2025", "")
    sheet = load_workbook(io.BytesIO(api.get(url, {"direction": "foiv", "format": "xlsx"}).content)).active
    assert sheet.cell(row=1, column=sheet.max_column).value == "Прошлые сезоны"
    with translation.override("en"):
        header, body_en = candidates_table(rows=candidates_list(season_id=season.id, direction="foiv"))
    assert header[-1] == "Earlier seasons"
    assert "Сезон 2025 (finalist; awards: Best project)" in [line[-1] for line in body_en]


def test_earlier_seasons_add_no_query_per_candidate(returning, django_assert_num_queries):
    season, staff, back, now, experts = returning
    # the candidates' five, the current and the earlier participations (2), which are in the pool
    # (1), their awards, the ministries' decisions and the internships (3)
    with django_assert_num_queries(11):
        assert len(candidates_with_earlier_seasons(season_id=season.id)["foiv"]) == 3
    again = _person(back.season, Level.YOUNG, "Снова")
    Consent.objects.create(
        application=again.application, purpose=ConsentPurpose.TALENT_POOL, text_version="v1", given_at=timezone.now()
    )
    Award.objects.create(participant=again, season=back.season, kind="finalist", awarded_by=staff)
    comeback = ParticipantFactory(season=season, level=Level.YOUNG, application__user=again.user)
    interviewed(season, experts, comeback, [(3, "")])
    with django_assert_num_queries(11):
        rows = candidates_with_earlier_seasons(season_id=season.id)["foiv"]
    assert len(rows) == 4 and sum(1 for row in rows if row["earlier_seasons"]) == 3
