from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Prints a new key for PRAKTIJK_ENCRYPTION_KEYS. To rotate: put it in front of the keys "
        "in use, restart, run `manage.py reencrypt`, then drop the old key."
    )

    def handle(self, *args, **options):
        self.stdout.write(Fernet.generate_key().decode())
