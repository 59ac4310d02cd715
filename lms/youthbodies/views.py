"""Staff's pages of the address book: every region with its youth-policy body, and a form per region."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from lms.regions import region_get
from lms.youthbodies.permissions import youth_body_staff_check
from lms.youthbodies.selectors import youth_bodies_by_region, youth_body_get
from lms.youthbodies.services import youth_body_emails_parse, youth_body_save


class YouthBodyForm(forms.Form):
    name = forms.CharField(label=_("Name of the body"), max_length=300)
    emails = forms.CharField(
        label=_("E-mail addresses"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One a line. The region's dossier is sent to all of them."),
    )
    active = forms.BooleanField(label=_("Active: dossiers go to this body"), required=False, initial=True)


@login_required
@require_GET
def staff_youth_bodies(request):
    youth_body_staff_check(user=request.user)
    return render(request, "lms/youthbodies/list.html", {"rows": youth_bodies_by_region()})


@login_required
def youth_body_edit(request, region_code: str):
    youth_body_staff_check(user=request.user)
    region = region_get(region_code)
    if region is None:
        raise Http404
    body = youth_body_get(region_code=region_code)
    initial = {"name": body.name, "emails": "\n".join(body.emails), "active": body.active} if body else {}
    form = YouthBodyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            youth_body_save(
                region_code=region_code,
                name=form.cleaned_data["name"],
                emails=youth_body_emails_parse(text=form.cleaned_data["emails"]),
                active=form.cleaned_data["active"],
                actor=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The body of the region is saved."))
            return redirect("youthbodies:staff-list")
    status = 400 if request.method == "POST" else 200
    return render(request, "lms/youthbodies/form.html", {"form": form, "region": region, "body": body}, status=status)
