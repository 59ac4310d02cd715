import json

from django.core.management.base import BaseCommand

from courses.selectors import progress_dead_letters, progress_flush_health


class Command(BaseCommand):
    help = (
        "Show what waits to be stored from the beats' stream (count, age of the oldest) and the credited "
        "stretches the flush set aside (dead letters) with their reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="how many of the latest dead letters to list")
        parser.add_argument("--json", action="store_true", help="one JSON object, for monitoring")

    def handle(self, *args, limit: int, json: bool = False, **options):
        health = progress_flush_health()
        letters = progress_dead_letters(limit=limit)
        if json:
            payload = {
                "reachable": health.reachable,
                "pending": health.pending,
                "oldest_age_seconds": health.oldest_age_seconds,
                "dead_letters": letters.count,
            }
            self.stdout.write(_dumps(payload))
            return
        if not health.reachable:
            self.stdout.write("beat store: unreachable")
        else:
            age = "-" if health.oldest_age_seconds is None else f"{health.oldest_age_seconds:.0f} s"
            self.stdout.write(f"pending: {health.pending} (oldest: {age})")
        self.stdout.write(f"dead letters: {letters.count}")
        for letter in letters.latest:
            self.stdout.write(
                f"  {letter.created_at:%Y-%m-%d %H:%M:%S} {letter.stream_id} user={letter.user_id} "
                f"lecture={letter.lecture_id} {letter.reason}: {_dumps(letter.fields)}"
            )


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
