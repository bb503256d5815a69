from django.core.management.base import BaseCommand

from privacy.erasure import purge_expired
from privacy.models import RetentionPeriod


class Command(BaseCommand):
    help = (
        "Erases every client whose retention period ended (Beheer → Bewaartermijnen); "
        "--dry-run lists them and erases nothing. Celery beat runs this every night."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, erase nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        years = RetentionPeriod.years_by_kind()
        self.stdout.write(
            "Bewaartermijnen: " + ", ".join(f"{kind} {n} jaar" for kind, n in years.items())
        )
        expired = purge_expired(dry_run=dry_run)
        for client, ends in expired:
            self.stdout.write(f"{client.uuid}  termijn voorbij op {ends.isoformat()}")
        verb = "te wissen (dry run: niets gewist)" if dry_run else "gewist"
        self.stdout.write(self.style.SUCCESS(f"{len(expired)} cliënt(en) {verb}."))
