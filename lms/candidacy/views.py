"""The pages of a candidacy: the participant ranks offers and writes their CV in the cabinet; a CV's
PDF for its readers; staff's list of a season's rankings; a ministry's list of who applied to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lms.candidacy.documents import cv_pdf, cv_pdf_filename
from lms.candidacy.forms import CvForm
from lms.candidacy.permissions import cv_participant_readable, cv_staff_check, participant_own
from lms.candidacy.selectors import (
    cv_latest,
    cv_open,
    cv_version_get,
    cv_versions,
    host_applicants,
    offer_choices_for,
    offer_preferences_of,
    offer_preferences_of_season,
    preferences_open,
)
from lms.candidacy.services import (
    CvData,
    RankedEntry,
    cv_photo_read,
    cv_version_save,
    offer_preferences_set,
    offer_ranking_from_entries,
)
from lms.hosts.permissions import host_staff_check
from lms.hosts.selectors import host_of_user
from lms.numbers import whole_number
from lms.pdf import PDF_CONTENT_TYPE
from lms.selectors import season_pick_for_staff

PER_PAGE = 50


def _messages_of(error: ValidationError) -> list[str]:
    return [
        message for messages_ in getattr(error, "message_dict", {"": error.messages}).values() for message in messages_
    ]


@login_required
@require_http_methods(["GET", "POST"])
def preferences_page(request):
    """The offers the participant may rank, each with a rank (empty: not chosen) and a motivation."""
    participant = participant_own(user=request.user)
    season = participant.season
    choices = offer_choices_for(participant=participant)
    current = {preference.offer_id: preference for preference in offer_preferences_of(participant=participant)}
    is_open = preferences_open(season=season)
    errors: list[str] = []
    posted: dict[int, tuple[str, str]] = {}
    if request.method == "POST":
        entries = []
        for offer in choices:
            rank_text = request.POST.get(f"rank-{offer.pk}", "").strip()
            motivation = request.POST.get(f"motivation-{offer.pk}", "")
            posted[offer.pk] = (rank_text, motivation)
            if not rank_text:
                continue
            rank = whole_number(rank_text, digits=3)
            if rank is None or rank < 1:
                errors.append(_("“%(offer)s”: choose a rank from the list.") % {"offer": offer.title})
                continue
            entries.append(RankedEntry(offer_id=offer.pk, rank=rank, motivation=motivation))
        if not errors:
            try:
                offer_preferences_set(participant=participant, ranked=offer_ranking_from_entries(entries=entries))
            except ValidationError as error:
                errors = _messages_of(error)
            else:
                messages.success(request, _("Your internship choices are saved."))
                return redirect("candidacy:preferences")
    rows = []
    for offer in choices:
        chosen = current.get(offer.pk)
        rank, motivation = posted.get(
            offer.pk, (str(chosen.rank) if chosen else "", chosen.motivation if chosen else "")
        )
        rows.append({"offer": offer, "rank": rank, "motivation": motivation})
    rows.sort(key=lambda row: (int(row["rank"]) if row["rank"].isdigit() else 1000, row["offer"].host.name))
    return render(
        request,
        "lms/candidacy/preferences.html",
        {
            "participant": participant,
            "season": season,
            "rows": rows,
            "ranks": range(1, season.offer_choices_max + 1),
            "open": is_open,
            "errors": errors,
            "ranked": sorted(current.values(), key=lambda preference: preference.rank),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cv_edit(request):
    """The participant's CV: the form starts from their latest version (else their application)."""
    participant = participant_own(user=request.user)
    latest = cv_latest(participant=participant)
    is_open = cv_open(season=participant.season)
    if request.method == "POST":
        form = CvForm(request.POST, request.FILES)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            upload = fields.pop("photo")
            try:
                cv_version_save(
                    participant=participant,
                    actor=request.user,
                    data=CvData(**fields),
                    photo=cv_photo_read(upload=upload) if upload else None,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for name, field_messages in error.message_dict.items():
                        for message in field_messages:
                            form.add_error(name if name in form.fields else None, message)
                else:
                    for message in error.messages:
                        form.add_error(None, message)
            else:
                messages.success(request, _("Your CV is saved as a new version."))
                return redirect("candidacy:cv-edit")
    else:
        application = participant.application
        initial = (
            {name: getattr(latest, name) for name in CvForm.base_fields if name != "photo"}
            if latest
            else {
                "education": f"{application.get_education_level_display()}, {application.institution}",
                "work": application.experience_details,
            }
        )
        form = CvForm(initial=initial)
    return render(
        request,
        "lms/candidacy/cv_form.html",
        {"participant": participant, "form": form, "latest": latest, "open": is_open},
        status=400 if form.errors else 200,
    )


def _pdf_response(version) -> HttpResponse:
    response = HttpResponse(cv_pdf(version=version), content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{cv_pdf_filename(version=version)}"'
    return response


@login_required
@require_GET
def cv_pdf_view(request, participant_id: int):
    """The latest CV as PDF, for its owner, staff and the ministries the participant ranked."""
    participant, _kind = cv_participant_readable(user=request.user, participant_id=participant_id)
    latest = cv_latest(participant=participant)
    if latest is None:
        raise Http404(_("This participant has not written a CV yet."))
    return _pdf_response(latest)


@login_required
@require_GET
def cv_versions_page(request, participant_id: int):
    participant, kind = cv_participant_readable(user=request.user, participant_id=participant_id)
    cv_staff_check(kind=kind)
    return render(
        request,
        "lms/candidacy/cv_versions.html",
        {"participant": participant, "versions": cv_versions(participant=participant)},
    )


@login_required
@require_GET
def cv_version_pdf(request, participant_id: int, number: int):
    participant, kind = cv_participant_readable(user=request.user, participant_id=participant_id)
    cv_staff_check(kind=kind)
    version = cv_version_get(participant=participant, number=number)
    if version is None:
        raise Http404(_("There is no such CV version."))
    return _pdf_response(version)


@login_required
@require_GET
def staff_preferences(request):
    host_staff_check(user=request.user)
    pick = season_pick_for_staff(chosen=request.GET.get("season"))
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
    rows = offer_preferences_of_season(season_id=pick.season.pk) if pick.season else []
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lms/candidacy/staff_preferences.html",
        {"seasons": pick.seasons, "season": pick.season, "page": page},
    )


@login_required
@require_GET
def host_applicants_page(request):
    """The people of a ministry: who ranked its offers this season, with their CVs."""
    host = host_of_user(user=request.user)
    if host is None:
        raise PermissionDenied(_("Only the people of a host body see who applied to it."))
    pick = season_pick_for_staff(chosen=request.GET.get("season"))
    rows = host_applicants(user=request.user, season_id=pick.season.pk) if pick.season else []
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lms/candidacy/host_applicants.html",
        {"host": host, "seasons": pick.seasons, "season": pick.season, "page": page},
    )
