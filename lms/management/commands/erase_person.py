from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms.errors import ConflictError
from lms.privacy.services import person_erase


class Command(BaseCommand):
    help = "Erase a person at their request (pseudonymise them in place), in the name of a staff member."

    def add_arguments(self, parser):
        parser.add_argument("user_id", type=int, help="The id of the person's account.")
        parser.add_argument("--by", required=True, help="The username of the staff member who erases.")
        parser.add_argument("--yes", action="store_true", help="Do it: without it the command only says who.")

    def handle(self, *args, user_id: int, by: str, yes: bool, **options):
        User = get_user_model()
        person = User.objects.filter(pk=user_id).first()
        actor = User.objects.filter(username=by, is_active=True).first()
        if person is None:
            raise CommandError(f"No account with id {user_id}.")
        if actor is None or not (actor.is_staff or actor.groups.filter(name="staff").exists()):
            raise CommandError(f"{by!r} is not an active staff member.")
        if not yes:
            self.stdout.write(f"Would erase user {person.pk} ({person.username}); add --yes to erase.")
            return
        try:
            erasure = person_erase(user=person, erased_by=actor)
        except ConflictError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Erased user {erasure.user_id}: now {erasure.pseudonym}.")
