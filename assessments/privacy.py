"""The assessments app's part of a person's data (lms.privacy's registry): test attempts,
admission decisions (of published runs), interviews and their published outcomes, for the export;
for an erasure, the free text the person wrote (answers to short-text questions) and the addresses
our e-mails to them were sent to (an e-mail not sent yet is dropped: there is nobody to send it to).

Admission decisions are immutable and hold ids, figures, evidence (titles of lectures, sessions
and tests) and reasons (rule texts), no personal text: they stay whole, so a run's hash is
reproduced after an erasure."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    AdmissionDecision,
    AdmissionNotice,
    Answer,
    Attempt,
    Award,
    AwardChange,
    Certificate,
    Dossier,
    DossierStatus,
    Interview,
    InterviewCancelNotice,
    InterviewOutcome,
    InterviewResultNotice,
    MinistryDecision,
    MinistryInterview,
    PlacementDecision,
    PlacementDecisionKind,
    PlacementNotice,
    QuestionKind,
    RevisionNotice,
)
from assessments.selectors.admission import SharedEvidence, rule_modules_of
from assessments.selectors.awards import certificates_of_user
from assessments.selectors.dossiers import dossier_hash
from lms.privacy.registry import DataSection, PersonalDataPart
from lms.regions import region_get
from lms.selectors import participant_seasons_of_user


def assessments_part_export(user_id: int) -> list[DataSection]:
    """Five queries: attempts, decisions (and the evidence their reasons are shared from),
    interviews and outcomes, each with what it names."""
    attempts = Attempt.objects.filter(user_id=user_id).select_related("quiz").order_by("started_at", "id")
    decisions = list(
        AdmissionDecision.objects.filter(user_id=user_id, run__published_at__isnull=False)
        .select_related("run__season")
        .order_by("run__published_at", "run_id")
    )
    shared = SharedEvidence.of_lines(decision.evidence_ids for decision in decisions)
    interviews = (
        Interview.objects.filter(participant__user_id=user_id)
        .select_related("slot", "meeting")
        .order_by("created_at", "id")
    )
    outcomes = InterviewOutcome.objects.filter(participant__user_id=user_id, published_at__isnull=False).select_related(
        "season"
    )
    return [
        DataSection(
            "attempts",
            _("Test attempts"),
            [
                ("test", _("test")),
                ("number", _("attempt number")),
                ("started_at", _("started at")),
                ("closed_at", _("closed at")),
                ("score_percent", _("score, %")),
                ("passed", _("passed")),
            ],
            [
                {
                    "test": attempt.quiz.title,
                    "number": attempt.number,
                    "started_at": attempt.started_at,
                    "closed_at": attempt.closed_at,
                    "score_percent": None if attempt.score is None else round(attempt.score * 100, 1),
                    "passed": attempt.passed,
                }
                for attempt in attempts
            ],
        ),
        DataSection(
            "admission_decisions",
            _("Admission decisions"),
            [
                ("season", _("season")),
                ("published_at", _("published at")),
                ("decision", _("decision")),
                ("rank", _("rank")),
                ("score", _("ranking score")),
                ("reasons", _("reasons")),
            ],
            [
                {
                    "season": decision.run.season.name,
                    "published_at": decision.run.published_at,
                    "decision": decision.get_decision_display(),
                    "rank": decision.rank,
                    "score": decision.score,
                    "reasons": shared.reasons(
                        evidence_ids=decision.evidence_ids,
                        rank_reason=decision.rank_reason,
                        rule_modules=rule_modules_of(decision.run),
                    ),
                }
                for decision in decisions
            ],
        ),
        DataSection(
            "interviews",
            _("Interviews"),
            [("starts_at", _("starts at")), ("place", _("place")), ("status", _("status"))],
            [
                {
                    "starts_at": (interview.slot or interview.meeting).starts_at,
                    "place": interview.meeting.place if interview.meeting else _("online"),
                    "status": interview.get_status_display(),
                }
                for interview in interviews
            ],
        ),
        DataSection(
            "interview_outcomes",
            _("Interview results"),
            [("season", _("season")), ("result", _("result")), ("published_at", _("published at"))],
            [
                {
                    "season": outcome.season.name,
                    "result": outcome.get_result_display(),
                    "published_at": outcome.published_at,
                }
                for outcome in outcomes
            ],
        ),
    ]


def assessments_part_erase(user_id: int) -> None:
    # What the person typed may name them; a marked answer keeps its mark, so scores stay.
    Answer.objects.filter(attempt__user_id=user_id, question__kind=QuestionKind.TEXT).exclude(Q(value="")).update(
        value=""
    )
    # The reason a participant gave for declining their placement is their own words. Decisions are
    # kept as made (the model refuses changes); erasure is the one change the law asks of them, so
    # the text is blanked here, in SQL, and the decision itself (who, which offer, when) stays.
    PlacementDecision.objects.filter(
        participant__user_id=user_id, kind=PlacementDecisionKind.DECLINED_BY_PARTICIPANT
    ).exclude(reason="").update(reason="")
    for notices in (
        AdmissionNotice.objects.filter(decision__user_id=user_id),
        RevisionNotice.objects.filter(decision__user_id=user_id, kind=RevisionNotice.Kind.PARTICIPANT),
        InterviewResultNotice.objects.filter(outcome__participant__user_id=user_id),
        PlacementNotice.objects.filter(participant__user_id=user_id),
        InterviewCancelNotice.objects.filter(
            interview__participant__user_id=user_id, kind=InterviewCancelNotice.Kind.PARTICIPANT
        ),
    ):
        notices.filter(sent_at__isnull=True).delete()
        notices.update(email="")


ASSESSMENTS_PART = PersonalDataPart(
    "assessments", _("Tests, admission and interviews"), assessments_part_export, assessments_part_erase, order=40
)


def awards_part_export(user_id: int) -> list[DataSection]:
    """Two queries: the person's awards and certificates, each with its season."""
    awards = Award.objects.filter(participant__user_id=user_id).select_related("season").order_by("awarded_at", "id")
    certificates = certificates_of_user(user_id=user_id)
    return [
        DataSection(
            "awards",
            _("Awards"),
            [("season", _("season")), ("award", _("award")), ("note", _("note")), ("awarded_at", _("awarded at"))],
            [
                {
                    "season": award.season.name,
                    "award": award.get_kind_display(),
                    "note": award.note,
                    "awarded_at": award.awarded_at,
                }
                for award in awards
            ],
        ),
        DataSection(
            "certificates",
            _("Certificates"),
            [
                ("season", _("season")),
                ("certificate", _("for")),
                ("code", _("code")),
                ("holder_name", _("name on the certificate")),
                ("issued_at", _("issued at")),
                ("revoked_at", _("revoked at")),
            ],
            [
                {
                    "season": certificate.season.name,
                    "certificate": certificate.get_kind_display(),
                    "code": certificate.code,
                    "holder_name": certificate.holder_name,
                    "issued_at": certificate.issued_at,
                    "revoked_at": certificate.revoked_at,
                }
                for certificate in certificates
            ],
        ),
    ]


def awards_part_erase(user_id: int) -> None:
    """The certificates are revoked and their name blanked, so the public page (reached by a code
    that may be printed anywhere) no longer names the person: pseudonymising a certificate would
    leave a valid certificate of nobody. The notes staff wrote about them go too; the awards
    themselves and their audit stay (ids and kinds, the season's figures)."""
    now = timezone.now()
    Certificate.objects.filter(participant__user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_because=Certificate.Revoked.ERASURE
    )
    Certificate.objects.filter(participant__user_id=user_id).update(
        holder_name="", revoked_because=Certificate.Revoked.ERASURE, revoke_reason="", revoked_by=None
    )
    Award.objects.filter(participant__user_id=user_id).exclude(note="").update(note="")
    # A withdrawal must keep a reason (award_change_explained): a neutral one replaces it.
    AwardChange.objects.filter(participant__user_id=user_id, action=AwardChange.Action.GRANT).update(note="")
    AwardChange.objects.filter(participant__user_id=user_id, action=AwardChange.Action.WITHDRAW).update(note="—")


AWARDS_PART = PersonalDataPart("awards", _("Awards and certificates"), awards_part_export, awards_part_erase, order=45)


def ministry_part_export(user_id: int) -> list[DataSection]:
    """Two queries: the person's interviews with ministries and the ministries' decisions on them
    that staff have applied (a pending decision is not the person's to read yet, as in the cabinet)."""
    interviews = (
        MinistryInterview.objects.filter(participant__user_id=user_id)
        .select_related("host", "slot")
        .order_by("created_at", "id")
    )
    decisions = (
        MinistryDecision.objects.filter(participant__user_id=user_id, wave__isnull=False)
        .select_related("host", "wave")
        .order_by("wave__applied_at", "id")
    )
    return [
        DataSection(
            "ministry_interviews",
            _("Interviews with ministries"),
            [("ministry", _("ministry")), ("starts_at", _("starts at")), ("status", _("status"))],
            [
                {"ministry": i.host.name, "starts_at": i.slot.starts_at, "status": i.get_status_display()}
                for i in interviews
            ],
        ),
        DataSection(
            "ministry_decisions",
            _("Ministries' decisions"),
            [
                ("ministry", _("ministry")),
                ("decision", _("decision")),
                ("comment", _("comment")),
                ("applied_at", _("decision applied at")),
            ],
            [
                {
                    "ministry": d.host.name,
                    "decision": d.get_verdict_display(),
                    "comment": d.comment,
                    "applied_at": d.wave.applied_at,
                }
                for d in decisions
            ],
        ),
    ]


def ministry_part_erase(user_id: int) -> None:
    """Nothing to erase: these rows hold no text the person wrote and no address of theirs, only
    the ministries' own records (times, scores, decisions), which the programme keeps for the
    placement; the person's name goes with the application's erasure."""


MINISTRY_PART = PersonalDataPart(
    "ministry", _("Interviews with ministries"), ministry_part_export, ministry_part_erase, order=42
)


def _dossiers_of(user_id: int, *, lock: bool = False) -> tuple[dict[int, int], list[Dossier]]:
    """The person's participations and the dossiers of those seasons (a snapshot names people by
    participant id, read in Python so that SQLite's demo works too): two queries."""
    mine = participant_seasons_of_user(user_id=user_id)
    dossiers = Dossier.objects.filter(season_id__in=set(mine.values())).order_by("season_id", "region_code")
    if lock:
        dossiers = dossiers.select_for_update()
    return mine, list(dossiers.select_related("season").prefetch_related("sendings"))


def dossiers_part_export(user_id: int) -> list[DataSection]:
    """Three queries: the person's participations, the dossiers of those seasons, their sendings."""
    mine, dossiers = _dossiers_of(user_id)
    rows = []
    for dossier in dossiers:
        for key in ("finalists", "left_out"):
            for entry in dossier.snapshot.get(key, []):
                if entry.get("participant_id") not in mine:
                    continue
                sent_to = sorted({a for s in dossier.sendings.all() if s.outcome == "sent" for a in s.recipients})
                rows.append(
                    {
                        "season": dossier.season.name,
                        "region": region_get(dossier.region_code).name,
                        "included": key == "finalists",
                        "status": dossier.get_status_display(),
                        "sent_at": dossier.sent_at,
                        "sent_to": ", ".join(sent_to),
                    }
                )
    return [
        DataSection(
            "dossiers",
            _("Dossiers of finalists for the regions' youth-policy bodies"),
            [
                ("season", _("season")),
                ("region", _("region")),
                ("included", _("included (not left out for want of a consent)")),
                ("status", _("status")),
                ("sent_at", _("sent at")),
                ("sent_to", _("sent to")),
            ],
            rows,
        )
    ]


def dossiers_part_erase(user_id: int) -> None:
    """A dossier not sent yet loses the person's entry (and its hash is taken again), so it will
    never carry them; a sent one keeps a line saying they were in it (the log of what went to the
    region), with nothing else of theirs: its hash stays the one of what was sent."""
    mine, dossiers = _dossiers_of(user_id, lock=True)
    for dossier in dossiers:
        snapshot, changed = dossier.snapshot, False
        for key in ("finalists", "left_out"):
            entries = snapshot.get(key, [])
            kept = []
            for entry in entries:
                if entry.get("participant_id") not in mine:
                    kept.append(entry)
                elif dossier.status == DossierStatus.SENT:
                    kept.append({"participant_id": entry["participant_id"], "erased": True})
            if kept != entries:
                snapshot[key], changed = kept, True
        if not changed:
            continue
        fields = ["snapshot"]
        if dossier.status != DossierStatus.SENT:
            dossier.content_hash = dossier_hash(finalists=snapshot["finalists"])
            dossier.finalists_count, dossier.left_out_count = len(snapshot["finalists"]), len(snapshot["left_out"])
            fields += ["content_hash", "finalists_count", "left_out_count"]
        dossier.save(update_fields=fields)


DOSSIERS_PART = PersonalDataPart(
    "dossiers", _("Dossiers for the regions"), dossiers_part_export, dossiers_part_erase, order=46
)
