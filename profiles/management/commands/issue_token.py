"""Issue a credential for another system and print it once.

python manage.py issue_token scim "Workday production"
python manage.py issue_token xapi "Moodle LMS"
python manage.py issue_token api "Reporting job" --user hr@example.com
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from profiles.credentials import credential_issue
from profiles.models import Credential


class Command(BaseCommand):
    help = "Create a SCIM token, xAPI credential or API token; the secret is printed once and only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=Credential.Kind.values)
        parser.add_argument("name", help="Who will use it, e.g. 'Workday production'.")
        parser.add_argument("--user", help="For api tokens: the e-mail of the user whose access the token carries.")

    def handle(self, *args, kind, name, user, **options):
        owner = None
        if kind == Credential.Kind.API:
            if not user:
                raise CommandError("An api token acts as a user: pass --user EMAIL.")
            owner = get_user_model().objects.filter(email__iexact=user).first()
            if owner is None:
                raise CommandError(f"No user with e-mail {user!r}.")
        credential, secret = credential_issue(kind=kind, name=name, user=owner)
        if kind == Credential.Kind.XAPI:
            self.stdout.write(f"xAPI credential for {name}\n  user name: {credential.key}\n  password:  {secret}")
        elif kind == Credential.Kind.SCIM:
            self.stdout.write(f"SCIM bearer token for {name}:\n  {secret}\nSend it as 'Authorization: Bearer <token>'.")
        else:
            self.stdout.write(
                f"API token for {name} (acting as {owner.email}):\n  {secret}\nSend it as 'Authorization: Bearer <token>'."
            )
        self.stdout.write(self.style.WARNING("This is the only time the secret is shown; store it now."))
