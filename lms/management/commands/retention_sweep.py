from django.core.management.base import BaseCommand

from lms.privacy.selectors import retention_days
from lms.privacy.services import retention_sweep


class Command(BaseCommand):
    help = "Erase the personal data whose retention period is over (list it only with --dry-run)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List who would be erased; change nothing.")

    def handle(self, *args, dry_run: bool, **options):
        people = retention_sweep(dry_run=dry_run)
        verb = "would erase" if dry_run else "erased"
        for person in people:
            self.stdout.write(
                f"{verb} user {person.user_id} ({person.username}), last season closed {person.last_season_closed_on}"
            )
        self.stdout.write(
            f"{len(people)} {'due' if dry_run else 'erased'} (retention: {retention_days()} days after a season closes)"
        )
