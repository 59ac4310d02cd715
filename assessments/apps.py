from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "staff": ["assessments.*"],
        "editor": [
            "assessments.add_quiz",
            "assessments.change_quiz",
            "assessments.view_quiz",
            "assessments.add_questionbank",
            "assessments.change_questionbank",
            "assessments.view_questionbank",
            "assessments.add_question",
            "assessments.change_question",
            "assessments.view_question",
        ],
    }
    # Other apps add theirs the same way (an AppConfig attribute) or via ASSESSMENTS_SCORE_MODULES.
    score_modules = [
        "assessments.scores.recorded.RecordedModule",
        "assessments.scores.live.LiveModule",
        "assessments.scores.tests.TestsModule",
    ]

    def ready(self) -> None:
        from lms.celery import periodic_task_schedule

        # Runs left running by a dead worker and e-mails left unsent are taken up again.
        periodic_task_schedule(
            entry="assessments: stale runs and e-mails", task="assessments.admission_runs_sweep", seconds=300.0
        )
        # Internships ended a week ago without feedback are flagged to staff (and unsent e-mails
        # about them re-queued): hourly is soon enough for a one-week rule.
        periodic_task_schedule(
            entry="assessments: internships without feedback",
            task="assessments.internships_flag_overdue",
            seconds=3600.0,
        )
        from django.contrib.auth.signals import user_logged_in

        from assessments.cabinet import register_cabinet
        from assessments.demo import demo_assessments_seed, demo_outcomes_seed
        from assessments.signals import expert_timezone_remember_on_login
        from lms.signals import demo_outcomes_seeded, demo_seeded

        register_cabinet()
        from assessments.selectors.results import participants_recommended_for_foiv
        from lms.candidacy.sources import foiv_recommendation_source_register

        foiv_recommendation_source_register(participants_recommended_for_foiv)
        from assessments.privacy import ASSESSMENTS_PART, AWARDS_PART, DOSSIERS_PART, MINISTRY_PART
        from assessments.privacy_internships import INTERNSHIPS_PART
        from lms.privacy.registry import personal_data_part_register

        personal_data_part_register(ASSESSMENTS_PART)
        personal_data_part_register(AWARDS_PART)
        personal_data_part_register(MINISTRY_PART)
        personal_data_part_register(INTERNSHIPS_PART)
        personal_data_part_register(DOSSIERS_PART)
        demo_seeded.connect(demo_assessments_seed, dispatch_uid="assessments.demo_assessments_seed")
        demo_outcomes_seeded.connect(demo_outcomes_seed, dispatch_uid="assessments.demo_outcomes_seed")
        user_logged_in.connect(expert_timezone_remember_on_login, dispatch_uid="assessments.expert_timezone")
        from assessments.models import (
            AdmissionPolicy,
            AdmissionRun,
            MinistryWave,
            PlacementRun,
            Quiz,
            QuizDeadlineExtension,
        )
        from assessments.selectors.published import SEASON_OUTCOMES_CACHE
        from assessments.selectors.quizzes import TRACK_TESTS_CACHE
        from lms.memo import page_cache_forget_on

        # Pages read the track's tests and policy from the cache (assessments.selectors.quizzes).
        page_cache_forget_on(subject=TRACK_TESTS_CACHE, senders=(Quiz, QuizDeadlineExtension, AdmissionPolicy))
        # The cabinet reads a participant's admission, placement and ministry lines only once the
        # season has published one (assessments.selectors.published).
        page_cache_forget_on(subject=SEASON_OUTCOMES_CACHE, senders=(AdmissionRun, PlacementRun, MinistryWave))
