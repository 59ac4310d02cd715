from celery import shared_task

from courses.services import lecture_progress_flush


@shared_task(name="courses.lecture_progress_flush_task", acks_late=True)
def lecture_progress_flush_task() -> int:
    """Move credited spans from Redis to PostgreSQL. Idempotent: entries are acknowledged only
    after the commit and spans merge as a union, so a re-run after a crash counts nothing twice."""
    return lecture_progress_flush()
