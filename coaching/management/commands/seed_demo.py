"""Demo data for the embedded mode: two coaches, an adult coachee, a child with a guardian, an
admin. Idempotent: running it again changes nothing and creates no duplicates."""

from datetime import date

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from coaching.models import Client, CoachProfile, Guardian, Role, User

DEMO_PASSWORD = "praktijk-demo"

# email, first name, last name, role, staff
DEMO_ACCOUNTS = [
    ("coach@praktijk.example", "Anna", "de Vries", Role.COACH, False),
    ("coach2@praktijk.example", "Bram", "Jansen", Role.COACH, False),
    ("coachee@praktijk.example", "Eva", "Bakker", Role.CLIENT, False),
    ("ouder@praktijk.example", "Marco", "Visser", Role.CLIENT, False),
    ("beheer@praktijk.example", "Sanne", "Smit", Role.ADMIN, True),
]


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and data (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what it would do.")

    def handle(self, *args, dry_run: bool = False, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo refuses to run in production mode.")
        if dry_run:
            for email, first, last, role, _staff in DEMO_ACCOUNTS:
                self.stdout.write(f"would ensure {role.label}: {first} {last} <{email}>")
            return
        with transaction.atomic():
            users = {
                email: self._account(email, first, last, role, staff)
                for email, first, last, role, staff in DEMO_ACCOUNTS
            }
            anna = users["coach@praktijk.example"]
            eva = users["coachee@praktijk.example"]
            marco = users["ouder@praktijk.example"]
            Client.objects.update_or_create(
                account=eva,
                defaults={
                    "coach": anna,
                    "first_name": eva.first_name,
                    "last_name": eva.last_name,
                    "email": eva.email,
                    "date_of_birth": date(1988, 4, 12),
                },
            )
            lotte, _ = Client.objects.update_or_create(
                coach=anna,
                first_name="Lotte",
                last_name="Visser",
                defaults={"date_of_birth": date(2016, 9, 3)},
            )
            Guardian.objects.update_or_create(
                client=lotte,
                account=marco,
                defaults={
                    "first_name": marco.first_name,
                    "last_name": marco.last_name,
                    "relation": Guardian.Relation.FATHER,
                    "email": marco.email,
                    "may_act_in_portal": True,
                },
            )
        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {DEMO_PASSWORD}):"))
        for email, first, last, role, _staff in DEMO_ACCOUNTS:
            self.stdout.write(f"  {role.label:<18} {email:<28} {first} {last}")

    def _account(self, email: str, first: str, last: str, role: Role, staff: bool) -> User:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "role": role,
                "is_staff": staff,
                "is_superuser": staff,
            },
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if role == Role.COACH:
            CoachProfile.objects.get_or_create(user=user)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user
