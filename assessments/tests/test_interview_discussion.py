"""An interview whose experts' totals differ by more than the season's threshold is flagged for
discussion: in the candidates (page and API) and on the interviews' staff page."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.models import InterviewPlan
from assessments.selectors.interviews import candidates_by_direction, candidates_for_discussion
from assessments.tests.test_candidates import _person, interviewed
from lms import roles
from lms.models import Level
from tests.factories import SeasonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _role(user, role):
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def spread():
    """Scores out of 5 on every criterion: 3 and 4 are 20 points apart (the default threshold), 2
    and 4 are 40, one expert alone has no spread."""
    season = SeasonFactory(name="Сезон расхождений")
    experts = [_role(UserFactory(username=f"spread-expert-{n}"), roles.EXPERT) for n in range(3)]
    people = {
        "equal": _person(season, Level.BEGINNER, "Ровно"),
        "wide": _person(season, Level.YOUNG, "Широко"),
        "alone": _person(season, Level.PRO, "Один"),
        "three": _person(season, Level.BEGINNER, "Трое"),
    }
    interviews = {
        "equal": interviewed(season, experts, people["equal"], [(3, ""), (4, "")]),
        "wide": interviewed(season, experts, people["wide"], [(2, ""), (4, "")]),
        "alone": interviewed(season, experts, people["alone"], [(1, "")]),
        "three": interviewed(season, experts, people["three"], [(3, ""), (3, ""), (5, "")]),
    }
    return season, people, interviews


def _rows(season):
    return {
        row["participant_id"]: row for rows in candidates_by_direction(season_id=season.id).values() for row in rows
    }


def test_a_spread_equal_to_the_threshold_is_not_flagged_one_past_it_is(spread):
    season, people, _interviews = spread
    rows = _rows(season)
    assert (rows[people["equal"].id]["spread"], rows[people["equal"].id]["discussion"]) == (20.0, False)
    assert (rows[people["wide"].id]["spread"], rows[people["wide"].id]["discussion"]) == (40.0, True)
    assert (rows[people["alone"].id]["spread"], rows[people["alone"].id]["discussion"]) == (None, False)
    # The widest pair counts among three experts.
    assert (rows[people["three"].id]["spread"], rows[people["three"].id]["discussion"]) == (40.0, True)

    InterviewPlan.objects.create(season=season, discussion_threshold=19)
    rows = _rows(season)
    assert rows[people["equal"].id]["discussion"]
    InterviewPlan.objects.filter(season=season).update(discussion_threshold=40)
    assert not any(row["discussion"] for row in _rows(season).values())


def test_staff_see_the_flag_on_the_candidates_page_the_api_and_the_interviews_page(spread, client):
    season, people, interviews = spread
    staff = _role(UserFactory(username="spread-staff"), roles.STAFF)
    api = APIClient()
    api.force_authenticate(staff)
    body = api.get(reverse("assessments:candidates", args=[season.id]), {"direction": "foiv"}).json()
    wide = next(row for row in body if row["participant_id"] == people["wide"].id)
    assert (wide["spread"], wide["discussion"], wide["interview_id"]) == (40.0, True, interviews["wide"].id)

    response = api.get(reverse("assessments:candidates", args=[season.id]), {"direction": "foiv", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # The spread and the flag, then the earlier seasons (nobody here took part before).
    assert rows[0][-3:] == ["Разброс итогов экспертов, п. п.", "Обсудить", "Прошлые сезоны"]
    assert next(row for row in rows[1:] if row[0] == str(people["wide"].id))[-3:] == ["40.0", "да", ""]

    client.force_login(staff)
    html = client.get(reverse("assessments:candidates-page"), {"season": season.id}).content.decode()
    row = html.split(f'data-testid="candidate-{people["wide"].id}"')[1].split("</tr>")[0]
    assert "обсудить" in row and "40,0 п. п." in row
    row = html.split(f'data-testid="candidate-{people["equal"].id}"')[1].split("</tr>")[0]
    assert 'data-testid="discussion"' not in row

    html = client.get(reverse("assessments:interviews-staff"), {"season": season.id}).content.decode()
    listed = html.split('data-testid="discussion"')[1].split("</section>")[0]
    assert f'data-testid="discussion-{interviews["wide"].id}"' in listed
    assert f'data-testid="discussion-{interviews["three"].id}"' in listed
    assert f'data-testid="discussion-{interviews["equal"].id}"' not in listed
    # The same spread: the participant first registered first.
    assert [row["interview_id"] for row in candidates_for_discussion(season_id=season.id)] == [
        interviews["wide"].id,
        interviews["three"].id,
    ]


def test_staff_set_the_threshold_on_the_interviews_page(spread, client):
    season, _people, _interviews = spread
    client.force_login(_role(UserFactory(username="spread-staff-2"), roles.STAFF))
    url = reverse("assessments:interviews-staff")
    form = {"season": season.id, "variant": "online", "cancel_cutoff_hours": 24, "discussion_threshold": 10}
    assert client.post(url, form).status_code == 302
    assert InterviewPlan.objects.get(season=season).discussion_threshold == 10
    for bad in ("", "abc", "101"):
        response = client.post(url, {**form, "discussion_threshold": bad})
        assert response.status_code == 400
    assert InterviewPlan.objects.get(season=season).discussion_threshold == 10
