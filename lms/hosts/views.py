"""The pages of host bodies and offers: staff's lists, forms and the season's import; a body's own
page, which its people share with staff (they manage its offers there)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.errors import ConflictError
from lms.exports import export_response
from lms.hosts import sheets
from lms.hosts.forms import HostForm, ImportForm, MemberAddForm, OfferForm
from lms.hosts.models import HostBody, HostKind
from lms.hosts.permissions import host_access_check, host_staff_check
from lms.hosts.selectors import (
    host_get,
    host_import_get,
    host_list,
    host_members,
    host_membership_get,
    host_of_user,
    hosts_visible_to,
    offer_get,
    offer_list,
    offers_of_season,
)
from lms.hosts.services import (
    host_create,
    host_import_apply,
    host_import_upload,
    host_member_add,
    host_member_remove,
    host_update,
    hosts_import,
    offer_create,
    offer_update,
)
from lms.regions import region_choices
from lms.replica import replica_reads
from lms.selectors import season_pick_for_staff, user_is_staff

PER_PAGE = 50


def _errors_to_form(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: each message by its field, the rest above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)


def _host_or_404(host_id: int) -> HostBody:
    host = host_get(host_id=host_id)
    if host is None:
        raise Http404(_("There is no such host body."))
    return host


def _season_pick(request):
    pick = season_pick_for_staff(chosen=request.POST.get("season") or request.GET.get("season"))
    if pick.unknown:
        messages.error(request, _("There is no such season; choose one from the list."))
    return pick


# ---------------------------------------------------------------- staff's lists


@login_required
@require_GET
def staff_hosts(request):
    """Every body, found by name, e-mail or address, of a kind or a region, with its offers in the
    chosen season; 50 a page."""
    host_staff_check(user=request.user)
    pick = _season_pick(request)
    query, kind, region = (request.GET.get(name, "").strip() for name in ("q", "kind", "region"))
    hosts = host_list(
        user=request.user,
        query=query,
        kind=kind if kind in HostKind.values else "",
        region_code=region,
        season_id=pick.season.pk if pick.season else None,
    )
    page = Paginator(hosts, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lms/hosts/staff_hosts.html",
        {
            "seasons": pick.seasons,
            "season": pick.season,
            "page": page,
            "query": query,
            "kind": kind,
            "region": region,
            "kinds": HostKind.choices,
            "regions": region_choices(),
        },
        status=400 if pick.unknown else 200,
    )


@login_required
@require_GET
def staff_offers(request):
    """A season's offers of every body, found by title, body or the work; 50 a page."""
    host_staff_check(user=request.user)
    pick = _season_pick(request)
    query, kind = request.GET.get("q", "").strip(), request.GET.get("kind", "")
    offers = (
        offer_list(
            user=request.user,
            season_id=pick.season.pk,
            query=query,
            kind=kind if kind in HostKind.values else "",
        )
        if pick.season
        else []
    )
    page = Paginator(offers, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "lms/hosts/staff_offers.html",
        {
            "seasons": pick.seasons,
            "season": pick.season,
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": HostKind.choices,
        },
        status=400 if pick.unknown else 200,
    )


@login_required
@require_GET
def offers_export(request, fmt: str):
    """The season's bodies and offers in the import's columns (an export imports back unchanged);
    every body is listed, those without an offer in the season on a row of their own."""
    host_staff_check(user=request.user)
    pick = season_pick_for_staff(chosen=request.GET.get("season"))
    if pick.season is None or pick.unknown:
        raise Http404(_("There is no such season."))
    rows = []
    offered = set()
    with replica_reads():
        for offer in offers_of_season(season_id=pick.season.pk):
            offered.add(offer.host_id)
            rows.append(sheets.host_cells(offer.host) + sheets.offer_cells(offer))
        for host in hosts_visible_to(user=request.user).order_by("name", "id"):
            if host.pk not in offered:
                rows.append(sheets.host_cells(host) + [""] * len(sheets.OFFER_COLUMNS))
    return export_response(
        fmt=fmt,
        header=sheets.header(),
        rows=rows,
        title=_("Internship offers"),
        filename=f"internship-offers-{pick.season.slug}",
    )


# ---------------------------------------------------------------- a body


@login_required
def staff_host_create(request):
    host_staff_check(user=request.user)
    form = HostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            host = host_create(actor=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The host body is added."))
            return redirect("hosts:host", host_id=host.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "lms/hosts/host_form.html", {"form": form, "host": None}, status=status)


@login_required
def host_edit(request, host_id: int):
    host_staff_check(user=request.user)
    host = _host_or_404(host_id)
    initial = {name: getattr(host, name) for name in HostForm.base_fields}
    form = HostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            host_update(host=host, actor=request.user, changes=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The host body is saved."))
            return redirect("hosts:host", host_id=host.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "lms/hosts/host_form.html", {"form": form, "host": host}, status=status)


def _host_page(request, host: HostBody, *, member_form: MemberAddForm | None = None, status: int = 200):
    pick = _season_pick(request)
    offers = list(offers_of_season(season_id=pick.season.pk, host_id=host.pk)) if pick.season else []
    staff = user_is_staff(user=request.user)
    return render(
        request,
        "lms/hosts/host.html",
        {
            "host": host,
            "staff": staff,
            "members": host_members(host=host),
            "member_form": member_form or (MemberAddForm() if staff else None),
            "seasons": pick.seasons,
            "season": pick.season,
            "offers": offers,
        },
        status=400 if pick.unknown else status,
    )


@login_required
@require_GET
def host_page(request, host_id: int):
    """The body's contacts, its people and its offers in the chosen season: for staff and the
    body's own people (anyone else's body is refused)."""
    host = _host_or_404(host_id)
    host_access_check(user=request.user, host=host)
    return _host_page(request, host)


@login_required
@require_GET
def own_host(request):
    """A host's people land on their own body's page; staff on the list of bodies."""
    if user_is_staff(user=request.user):
        return redirect("hosts:staff-hosts")
    host = host_of_user(user=request.user)
    if host is None:
        raise PermissionDenied(_("You do not represent a host body: programme staff link you to one."))
    return redirect("hosts:host", host_id=host.pk)


@login_required
@require_POST
def host_member_add_view(request, host_id: int):
    host_staff_check(user=request.user)
    host = _host_or_404(host_id)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership = host_member_add(host=host, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(person)s now represents this body.")
                % {"person": membership.user.get_full_name() or membership.user.username},
            )
            return redirect("hosts:host", host_id=host.pk)
    return _host_page(request, host, member_form=form, status=400)


@login_required
def host_member_remove_view(request, host_id: int, user_id: int):
    """GET: what removing the person means, with a field for the reason. POST: remove them."""
    host_staff_check(user=request.user)
    host = _host_or_404(host_id)
    membership = host_membership_get(host=host, user_id=user_id)
    if membership is None:
        raise Http404(_("This person does not represent this body."))
    status = 200
    if request.method == "POST":
        try:
            host_member_remove(membership=membership, actor=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            status = 400
        else:
            messages.success(request, _("The person no longer represents this body."))
            return redirect("hosts:host", host_id=host.pk)
    return render(
        request,
        "lms/hosts/member_remove.html",
        {"host": host, "membership": membership, "reason": request.POST.get("reason", "")},
        status=status,
    )


# ---------------------------------------------------------------- offers


@login_required
def offer_create_view(request, host_id: int):
    """A new offer of the body in the chosen season: staff, or the body's own people."""
    host = _host_or_404(host_id)
    host_access_check(user=request.user, host=host)
    pick = _season_pick(request)
    if pick.season is None or pick.unknown:
        raise Http404(_("There is no such season."))
    staff = user_is_staff(user=request.user)
    form = OfferForm(request.POST or None, staff=staff, roiv=host.is_roiv)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_create(host=host, season=pick.season, actor=request.user, fields=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The offer is added."))
            return redirect(f"{reverse('hosts:host', args=[host.pk])}?season={offer.season_id}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "lms/hosts/offer_form.html",
        {"form": form, "host": host, "season": pick.season, "offer": None, "staff": staff},
        status=status,
    )


@login_required
def offer_edit_view(request, offer_id: int):
    offer = offer_get(offer_id=offer_id)
    if offer is None:
        raise Http404(_("There is no such offer."))
    host_access_check(user=request.user, host=offer.host)
    staff = user_is_staff(user=request.user)
    form = OfferForm(request.POST or None, initial=OfferForm.initial_of(offer), staff=staff, roiv=offer.host.is_roiv)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_update(offer=offer, actor=request.user, changes=form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The offer is saved."))
            return redirect(f"{reverse('hosts:host', args=[offer.host_id])}?season={offer.season_id}")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "lms/hosts/offer_form.html",
        {"form": form, "host": offer.host, "season": offer.season, "offer": offer, "staff": staff},
        status=status,
    )


# ---------------------------------------------------------------- the season's import


@login_required
def import_upload(request):
    """GET: the upload form, the template and what each column takes. POST: keep the file and show
    its preview (a file that cannot be read as a table is refused here)."""
    host_staff_check(user=request.user)
    pick = _season_pick(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 400 if pick.unknown else 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and pick.season is not None and not pick.unknown:
            upload = form.cleaned_data["file"]
            try:
                host_import = host_import_upload(
                    season=pick.season,
                    file_name=upload.name,
                    content=upload.read(sheets.MAX_UPLOAD_BYTES + 1),
                    actor=request.user,
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                return redirect("hosts:import-preview", import_id=host_import.pk)
    return render(
        request,
        "lms/hosts/import.html",
        {"form": form, "seasons": pick.seasons, "season": pick.season, "columns": sheets.COLUMNS},
        status=status,
    )


@login_required
@require_GET
def import_preview(request, import_id: int):
    """What the upload would do (a dry run): each row's body and offer, created or updated, and
    every bad row with its line and reason. The import is confirmed from here when no row is bad."""
    host_staff_check(user=request.user)
    host_import = host_import_get(import_id=import_id)
    if host_import is None:
        raise Http404(_("There is no such upload."))
    report = None
    if host_import.applied_at is None:
        report = hosts_import(
            season=host_import.season, content=bytes(host_import.content), actor=request.user, dry_run=True
        )
    return render(request, "lms/hosts/import_preview.html", {"upload": host_import, "report": report})


@login_required
@require_POST
def import_apply(request, import_id: int):
    host_staff_check(user=request.user)
    host_import = host_import_get(import_id=import_id)
    if host_import is None:
        raise Http404(_("There is no such upload."))
    try:
        report = host_import_apply(host_import=host_import, actor=request.user)
    except ConflictError as error:
        messages.error(request, str(error))
        return redirect("hosts:import-preview", import_id=host_import.pk)
    if not report.applied:
        messages.error(request, _("Rows are refused now (the data changed since the preview): nothing was imported."))
        return redirect("hosts:import-preview", import_id=host_import.pk)
    messages.success(
        request,
        _("Imported: %(hosts)s bodies added, %(updated)s updated; %(offers)s offers added, %(offers_updated)s updated.")
        % {
            "hosts": report.count("host", "created"),
            "updated": report.count("host", "updated"),
            "offers": report.count("offer", "created"),
            "offers_updated": report.count("offer", "updated"),
        },
    )
    return redirect(f"{reverse('hosts:staff-offers')}?season={host_import.season_id}")


@login_required
@require_GET
def import_template(request, fmt: str):
    """The import's columns, no rows: the file to fill in."""
    host_staff_check(user=request.user)
    return export_response(
        fmt=fmt, header=sheets.header(), rows=[], title=_("Internship offers"), filename="internship-offers-template"
    )
