"""A season's admission policy per track: its rules and weights over the score modules, saved
with a version the runs name, and the part of it a run applies to a track (modules with nothing
required there are not applicable)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import AdmissionPolicy
from assessments.scores import score_modules
from lms.choices import Track

if TYPE_CHECKING:
    from lms.models import Season

POLICY_FIELDS = ["rules", "borderline_band", "weights", "capacity", "capacity_scope"]


def admission_policy_validate(*, policy: AdmissionPolicy) -> None:
    modules = score_modules()
    policy.borderline_band = Decimal(str(policy.borderline_band))
    rules = policy.rules
    if not isinstance(rules, list) or not rules:
        raise ValidationError({"rules": _("Give at least one rule.")})
    for rule in rules:
        if not isinstance(rule, dict) or set(rule) != {"module", "min"}:
            raise ValidationError({"rules": _('Each rule is {"module": name, "min": 0..1}.')})
        if rule["module"] not in modules:
            raise ValidationError(
                {
                    "rules": _("There is no score module “%(name)s”; known: %(known)s.")
                    % {"name": rule["module"], "known": ", ".join(sorted(modules))}
                }
            )
        if not isinstance(rule["min"], int | float) or not 0 <= rule["min"] <= 1:
            raise ValidationError({"rules": _("A minimum is a share from 0 to 1.")})
    weights = policy.weights or {}
    if not isinstance(weights, dict) or any(
        name not in modules or not isinstance(w, int | float) or w < 0 for name, w in weights.items()
    ):
        raise ValidationError({"weights": _('Weights are {"module": a number ≥ 0} over known modules.')})
    policy.full_clean()


@transaction.atomic
def admission_policy_save(*, policy: AdmissionPolicy, user: AbstractBaseUser | None = None) -> AdmissionPolicy:
    """Create or edit a policy; an edit that changes anything bumps the version, so a run can say
    exactly which rules it applied."""
    admission_policy_validate(policy=policy)
    if policy.pk is not None:
        stored = AdmissionPolicy.objects.select_for_update().get(pk=policy.pk)
        if all(getattr(stored, name) == getattr(policy, name) for name in POLICY_FIELDS):
            return stored
        policy.version = stored.version + 1
    policy.updated_by = user if user and user.is_authenticated else None
    policy.save()
    return policy


def admission_policy_for(*, season: Season, track: str) -> AdmissionPolicy:
    policy = AdmissionPolicy.objects.filter(season=season, track=track).first()
    if policy is None:
        policy = admission_policy_save(policy=AdmissionPolicy(season=season, track=track))
    return policy


def admission_policy_applicable(*, content: dict, season: Season, track: str) -> dict:
    """The policy's content as the run applies it to this track: a module with nothing required on
    the track is not applicable ("0 of 0" is no evidence of anything) and leaves the rules, listed
    under "not_applicable". A module the policy weighs for ranking cannot be left out: the run is
    refused, naming the module and the track, and so is a run left with no rule at all."""
    modules = score_modules()
    weights = content.get("weights") or {}
    named = {rule["module"] for rule in content["rules"]} | set(weights)
    empty = sorted(
        name for name in named if name in modules and modules[name].required_count(season=season, track=track) == 0
    )
    if not empty:
        return content
    track_label = Track(track).label
    for name in empty:
        if float(weights.get(name) or 0) > 0:
            raise ValidationError(
                {
                    "track": _(
                        "The policy weighs “%(module)s” in the ranking, but the track “%(track)s” has nothing "
                        "required in it: add required items or remove its weight."
                    )
                    % {"module": modules[name].label, "track": track_label}
                }
            )
    rules = [rule for rule in content["rules"] if rule["module"] not in empty]
    if not rules:
        raise ValidationError(
            {
                "track": _("The track “%(track)s” has nothing required in any module of the policy (%(modules)s).")
                % {"track": track_label, "modules": ", ".join(str(modules[name].label) for name in empty)}
            }
        )
    return {
        **content,
        "rules": rules,
        "weights": {name: weight for name, weight in weights.items() if name not in empty},
        "not_applicable": empty,
    }
