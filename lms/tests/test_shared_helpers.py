"""The one helper per shared idea in lms/: exports, signed tokens, storable text, the conflict
error's status, the staff season picker, the beat-view base."""

import csv
import io
import json
import time
from datetime import timedelta

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail

from lms.api import exception_handler
from lms.beatviews import SessionlessBeatView, error_payload
from lms.errors import ConflictError
from lms.exports import export_csv, export_response, export_xlsx
from lms.selectors import season_pick_for_staff
from lms.signing import TokenExpired, TokenInvalid, token_read, token_sign
from lms.text import text_require_storable, text_storable
from tests.factories import SeasonFactory

INJECTIONS = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_csv_neutralises_formulas_keeps_numbers_and_has_a_bom():
    content = export_csv(header=["Имя", "n"], rows=[[text, -3] for text in INJECTIONS])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Имя", "n"]
    assert rows[1:] == [["'" + text, "-3"] for text in INJECTIONS]


def test_xlsx_writes_people_text_as_text_never_formulas():
    content = export_xlsx(header=["Имя"], rows=[[text, 5] for text in INJECTIONS], title="Список: [1]")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Список 1"
    for row, text in zip(sheet.iter_rows(min_row=2), INJECTIONS):
        # (XML normalises a carriage return to a line feed)
        assert row[0].value == text.replace("\r", "\n") and row[0].data_type == "s"
        assert row[1].value == 5 and row[1].data_type == "n"


def test_cells_speak_the_readers_language_and_lists_are_joined():
    with translation.override("ru"):
        content = export_csv(header=[gettext_lazy("reason")], rows=[[["a", "b"], None]])
    assert content.decode("utf-8-sig").splitlines() == ["причина", '"a, b",']


def test_response_names_the_file_and_refuses_unknown_formats():
    response = export_response(fmt="csv", header=["a"], rows=[], title="t", filename="runs-1")
    assert response["Content-Disposition"] == 'attachment; filename="runs-1.csv"'
    assert response["Content-Type"].startswith("text/csv")
    with pytest.raises(Http404):
        export_response(fmt="pdf", header=["a"], rows=[], title="t", filename="x")


def test_tokens_round_trip_and_refuse_forgery_other_purposes_and_expiry():
    now = time.time()
    token = token_sign(purpose="beat", fields=[7, 12], expires=now + 60)
    assert token_read(purpose="beat", token=token, now=now).fields == ["7", "12"]
    with pytest.raises(TokenInvalid):
        token_read(purpose="presence", token=token, now=now)
    with pytest.raises(TokenInvalid):
        token_read(purpose="beat", token=token.replace("7:", "8:", 1), now=now)
    for broken in (None, "", "abc", ":", "1:2:x:sig"):
        with pytest.raises(TokenInvalid):
            token_read(purpose="beat", token=broken, now=now)
    with pytest.raises(TokenExpired) as expired:
        token_read(purpose="beat", token=token, now=now + 61)
    assert expired.value.fields == ["7", "12"]
    with pytest.raises(ValueError):
        token_sign(purpose="beat", fields=["a:b"], expires=now)


def test_tokens_survive_a_key_rotation_through_the_fallbacks_only():
    now = time.time()
    with override_settings(SECRET_KEY="old-key-" + "x" * 50):
        token = token_sign(purpose="beat", fields=[1], expires=now + 60)
    with override_settings(SECRET_KEY="new-key-" + "y" * 50, SECRET_KEY_FALLBACKS=["old-key-" + "x" * 50]):
        assert token_read(purpose="beat", token=token, now=now).fields == ["1"]
    with override_settings(SECRET_KEY="new-key-" + "y" * 50, SECRET_KEY_FALLBACKS=[]), pytest.raises(TokenInvalid):
        token_read(purpose="beat", token=token, now=now)


def test_text_with_a_nul_is_refused_on_its_field():
    assert text_storable("Госуслуги") and not text_storable("a\x00b")
    text_require_storable(value="fine", field="comment")
    with pytest.raises(ValidationError) as error:
        text_require_storable(value="a\x00b", field="comment")
    assert list(error.value.message_dict) == ["comment"]


def test_a_conflict_is_a_409_with_its_message():
    response = exception_handler(ConflictError("Слот уже занят."), {})
    assert response.status_code == 409
    assert response.data == {"detail": ErrorDetail("Слот уже занят.", code="conflict")}


@pytest.mark.django_db
def test_every_staff_page_defaults_to_the_running_season():
    today = timezone.localdate()
    planned = SeasonFactory(
        campaign_starts_on=today + timedelta(days=100), campaign_ends_on=today + timedelta(days=130)
    )
    running = SeasonFactory()
    SeasonFactory(campaign_starts_on=today - timedelta(days=400), campaign_ends_on=today - timedelta(days=370))
    pick = season_pick_for_staff(chosen=None)
    assert pick.season == running and not pick.unknown
    assert pick.seasons[0] == planned and len(pick.seasons) == 3
    assert season_pick_for_staff(chosen=str(planned.pk)).season == planned
    unknown = season_pick_for_staff(chosen="999999")
    assert unknown.unknown and unknown.season == running


@pytest.mark.django_db
def test_without_seasons_there_is_nothing_to_pick():
    pick = season_pick_for_staff(chosen=None)
    assert pick.season is None and pick.seasons == []


@pytest.mark.parametrize("body", [b"", b"[1]", b"\xff", b"[" * 5000 + b"]" * 5000, b'"x"'])
def test_a_beat_body_that_is_no_json_object_is_refused(body):
    request = RequestFactory().post("/", data=body, content_type="application/json")
    with translation.override("en"), pytest.raises(ValidationError) as error:
        SessionlessBeatView.json_body(request)
    assert error_payload(error.value) == {"detail": ["A JSON object is expected."]}


def test_beat_views_are_csrf_exempt_and_sessionless():
    class Probe(SessionlessBeatView):
        key_meta = "HTTP_X_PROBE_KEY"

        def post(self, request):
            return None

    view = Probe.as_view()
    assert view.csrf_exempt and view.sessionless
    request = RequestFactory().post(
        "/", data=json.dumps({"a": 1}), content_type="application/json", HTTP_X_PROBE_KEY="k"
    )
    assert Probe().key_from(request) == "k"
    assert SessionlessBeatView.json_body(request) == {"a": 1}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("short.mp4", "short.mp4"),
        ("я" * 128 + ".mp4", "я" * 98 + ".mp4"),  # 2 bytes a letter: 196 + 4 bytes
        ("я" * 150, "я" * 100),
        ("a" * 300 + ".tar.gz", "a" * 197 + ".gz"),
    ],
)
def test_a_file_name_is_cut_to_what_a_file_system_takes(name, expected):
    from lms.storage import filename_shorten

    shortened = filename_shorten(name)
    assert shortened == expected
    assert len(shortened.encode()) <= 200
