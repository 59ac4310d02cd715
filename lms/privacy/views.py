import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms import roles
from lms.errors import ConflictError
from lms.models import ConsentPurpose
from lms.privacy.selectors import (
    consent_of_user,
    consents_of_user,
    people_search_for_staff,
    person_for_erasure,
    personal_data_export,
)
from lms.privacy.services import consent_withdraw, person_erase
from lms.privacy.texts import CONSENT_TEXTS
from lms.selectors import user_has_role


def _is_staff(user) -> bool:
    return user.is_staff or user_has_role(user=user, role=roles.STAFF)


@login_required
@require_GET
def personal_data_page(request):
    """The person's consents (each can be withdrawn) and the downloads of all their data."""
    consents = [
        {"consent": consent, "text": CONSENT_TEXTS.get(consent.purpose)}
        for consent in consents_of_user(user=request.user)
    ]
    return render(request, "lms/privacy/personal_data.html", {"consents": consents})


@login_required
def consent_withdraw_view(request, consent_id: int):
    """GET: what withdrawing means (for "taking part": leaving the season); POST: withdraw it.
    Only one's own consent: anyone else's is not found."""
    consent = consent_of_user(user=request.user, consent_id=consent_id)
    if consent is None:
        raise Http404
    leaving = consent.purpose == ConsentPurpose.PARTICIPATION
    context = {"consent": consent, "text": CONSENT_TEXTS[consent.purpose], "leaving": leaving}
    if request.method == "POST":
        if leaving and request.POST.get("confirm") != "leave":
            context["error"] = _("Tick the box to confirm that you leave the season.")
            return render(request, "lms/privacy/consent_withdraw.html", context, status=400)
        try:
            consent_withdraw(consent=consent)
        except ConflictError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("You have left %(season)s.") % {"season": consent.application.season.name}
                if leaving
                else _("Your consent is withdrawn."),
            )
        return redirect("personal-data")
    if consent.withdrawn_at is not None:
        messages.info(request, _("This consent was already withdrawn."))
        return redirect("personal-data")
    return render(request, "lms/privacy/consent_withdraw.html", context)


@login_required
@require_GET
def personal_data_download_json(request):
    """All the person's data as JSON, as a file. Always the requester's own: no id is taken."""
    data = personal_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def personal_data_download_html(request):
    """The same data as a readable page (printable, savable)."""
    response = render(request, "lms/privacy/export.html", {"data": personal_data_export(user=request.user)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def staff_people(request):
    if not _is_staff(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "")
    return render(
        request, "lms/privacy/staff_people.html", {"query": query, "people": people_search_for_staff(query=query)}
    )


@login_required
def staff_person_erase(request, user_id: int):
    """GET: who is erased and what erasure means; POST (the box ticked): erase them."""
    if not _is_staff(request.user):
        raise PermissionDenied
    person, erasure = person_for_erasure(user_id=user_id)
    if person is None:
        raise Http404
    context = {"person": person, "erasure": erasure}
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            context["error"] = _("Tick the box to confirm the erasure.")
            return render(request, "lms/privacy/staff_erase.html", context, status=400)
        try:
            erasure = person_erase(user=person, erased_by=request.user)
        except ConflictError as error:
            context["error"] = str(error)
            return render(request, "lms/privacy/staff_erase.html", context, status=409)
        messages.success(request, _("Erased: the person is now %(pseudonym)s.") % {"pseudonym": erasure.pseudonym})
        return redirect("staff-people")
    return render(request, "lms/privacy/staff_erase.html", context)
