"""The talent pool across seasons (issue 15 §5): staff find the finalists and finished interns of
every season who consented to it, by region, level, host, award and person, a page at a time."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render

from assessments.models import AwardKind
from assessments.permissions import staff_check
from assessments.selectors.talent_pool import talent_pool_filters_check, talent_pool_ids, talent_pool_rows
from assessments.views.common import messages_from
from lms.choices import Level
from lms.hosts.selectors import host_list
from lms.regions import region_choices

PER_PAGE = 50


@login_required
def talent_pool_staff(request):
    """GET with the filters as parameters; an unknown one shows the page with a message and no rows."""
    staff_check(user=request.user)
    raw = {
        "region_code": request.GET.get("region", ""),
        "level": request.GET.get("level", ""),
        "host_id": request.GET.get("host", ""),
        "award_kind": request.GET.get("award", ""),
        "user_id": request.GET.get("person", ""),
    }
    status, page, rows = 200, None, []
    try:
        # The page's ids are a LIMIT of the filtered query; only they are read in full.
        page = Paginator(talent_pool_ids(**talent_pool_filters_check(**raw)), PER_PAGE).get_page(
            request.GET.get("page")
        )
        rows = talent_pool_rows(participant_ids=page.object_list)
    except ValidationError as error:
        messages_from(request, error)
        status = 400
    context = {
        "page": page,
        "rows": rows,
        "chosen": raw,
        "regions": region_choices(),
        "levels": Level.choices,
        "hosts": host_list(user=request.user),
        "awards": AwardKind.choices,
    }
    return render(request, "assessments/talent_pool_staff.html", context, status=status)
