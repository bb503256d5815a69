from django.core.management.base import BaseCommand
from django.db import transaction

from coaching.crypto import encrypted_fields, rewrite_table


class Command(BaseCommand):
    help = (
        "Rewrites every encrypted text (dossier, messages, Backstage contributions, open "
        "answers) under the newest key in PRAKTIJK_ENCRYPTION_KEYS, and encrypts texts written "
        "before their field was encrypted. Safe to run again: rows under the newest key stay."
    )

    def handle(self, *args, **options):
        total = 0
        for model, fields in encrypted_fields():
            with transaction.atomic():
                changed = rewrite_table(model, fields)
            total += changed
            self.stdout.write(f"{model._meta.label}: {changed}")
        self.stdout.write(self.style.SUCCESS(f"{total} row(s) rewritten under the newest key."))
