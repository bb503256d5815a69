from django.core.management.base import BaseCommand
from django.db import transaction

from coaching.crypto import encrypted_fields, encrypted_files, rewrite_files, rewrite_table


class Command(BaseCommand):
    help = (
        "Rewrites every encrypted text (dossier, messages, Backstage contributions, open "
        "answers) and every encrypted file (attachments to messages) under the newest key in "
        "PRAKTIJK_ENCRYPTION_KEYS, and encrypts texts and files stored before they were "
        "encrypted. Safe to run again: what is under the newest key stays."
    )

    def handle(self, *args, **options):
        total = 0
        for model, fields in encrypted_fields():
            with transaction.atomic():
                changed = rewrite_table(model, fields)
            total += changed
            self.stdout.write(f"{model._meta.label}: {changed}")
        self.stdout.write(self.style.SUCCESS(f"{total} row(s) rewritten under the newest key."))
        files = 0
        for model, field in encrypted_files():
            # A transaction per file (inside rewrite_files): the old file goes once its row
            # points at the new one.
            changed = rewrite_files(model, field)
            files += changed
            self.stdout.write(f"{model._meta.label}.{field.name}: {changed}")
        self.stdout.write(self.style.SUCCESS(f"{files} file(s) rewritten under the newest key."))
