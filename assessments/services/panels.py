"""Staff make up an offline meeting's panel and register the district's admitted participants to
it in bulk, within the meeting's capacity."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assessments.models import Interview, InterviewStatus, OfflineMeeting
from assessments.permissions import staff_check
from assessments.selectors.panels import expert_list, meeting_unassigned_ids
from lms.errors import ConflictError


@transaction.atomic
def meeting_panel_set(*, meeting: OfflineMeeting, expert_ids: list[int], user: AbstractBaseUser) -> OfflineMeeting:
    """The meeting's panel becomes exactly these experts (each must hold the expert role)."""
    staff_check(user=user)
    experts = list(expert_list().filter(pk__in=expert_ids))
    if len(experts) != len(set(expert_ids)):
        raise ValidationError({"experts": [_("Choose the panel from the experts listed.")]})
    meeting.panel.set(experts)
    return meeting


@transaction.atomic
def meeting_participants_assign(
    *,
    meeting: OfflineMeeting,
    participant_ids: list[int] | None,
    user: AbstractBaseUser,
) -> list[Interview]:
    """Register participants to the meeting: the ticked ones, or (`participant_ids=None`) every
    admitted participant of the district not yet assigned. Preconditions: each is admitted, of the
    meeting's district and without a booked interview; together they fit the seats left (the
    meeting's row is locked, so two staff assigning at once cannot overfill it)."""
    staff_check(user=user)
    meeting = OfflineMeeting.objects.select_for_update().get(pk=meeting.pk)
    eligible = meeting_unassigned_ids(meeting=meeting)
    chosen = eligible if participant_ids is None else list(dict.fromkeys(participant_ids))
    if not chosen:
        raise ValidationError({"participants": [_("Tick the participants to register, or register them all.")]})
    if set(chosen) - set(eligible):
        raise ValidationError(
            {"participants": [_("Only admitted participants of the district without an interview can be registered.")]}
        )
    left = max(0, meeting.capacity - meeting.interviews.filter(status=InterviewStatus.BOOKED).count())
    if len(chosen) > left:
        raise ValidationError(
            {
                "participants": [
                    _("Seats left at this meeting: %(left)s; participants chosen: %(chosen)s.")
                    % {"left": left, "chosen": len(chosen)}
                ]
            }
        )
    try:
        with transaction.atomic():
            return Interview.objects.bulk_create([Interview(participant_id=pk, meeting=meeting) for pk in chosen])
    except IntegrityError as error:
        # A participant booked a slot between the page and this request (one booking each).
        raise ConflictError(_("Someone of them has just booked an interview; open the page again.")) from error
