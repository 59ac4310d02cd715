"""Issue 12 §2: the attendance export writes a participant named like a formula, and a manual
mark's comment like one, as text (CSV: a leading apostrophe; XLSX: a string cell)."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from live.models import ManualMark
from live.tests.test_query_counts import _populated_session

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x.example","click")'


def test_the_attendance_export_writes_formulas_as_text(client):
    now = timezone.now()
    session, speaker, people, _others = _populated_session(1, start=now - timedelta(minutes=30), now=now)
    person = people[0]
    type(person.application).objects.filter(pk=person.application_id).update(last_name=FORMULA)
    ManualMark.objects.filter(session=session, user=person.user).update(comment="@SUM(A1)")
    client.force_login(speaker.user)

    text = client.get(f"/live/console/{session.pk}/export.csv").content.decode("utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text)) if row and row[0] == str(person.user_id)]
    assert rows and rows[0][1].startswith("'=HYPERLINK") and rows[0][-1] == "'@SUM(A1)"

    sheet = load_workbook(io.BytesIO(client.get(f"/live/console/{session.pk}/export.xlsx").content)).active
    line = next(row for row in sheet.iter_rows(min_row=2) if str(row[0].value) == str(person.user_id))
    assert line[1].data_type == "s" and line[1].value.startswith("=HYPERLINK")
    assert line[-1].data_type == "s" and line[-1].value == "@SUM(A1)"
