import time

from django.core.management.base import BaseCommand, CommandError

from bench.seed import SIZES, seed, settle


class Command(BaseCommand):
    help = (
        "Fills the database with a benchmark practice, the same every time: S (10 clients, "
        "100 appointments), L (10 coaches, 10,000 clients, 100,000 appointments, 200 "
        "Backstage groups, 20,000 e-mail coaching messages) or XL (100 coaches, 100,000 "
        "clients, 1,000,000 appointments, 2,000 groups, 200,000 messages, 20,000,000 rows of "
        "the audit log; minutes on PostgreSQL). The practices of different sizes share a "
        "database side by side, as `make bench` seeds them. For a benchmark database only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=list(SIZES), required=True)
        parser.add_argument(
            "--prefix",
            help="what the accounts' addresses start with (default: bench-s, bench-l, bench-xl)",
        )

    def handle(self, *args, size: str, prefix: str | None, **options):
        from coaching.models import User

        prefix = prefix or f"bench-{size.lower()}"
        if User.objects.filter(email__startswith=f"{prefix}-coach-").exists():
            raise CommandError(f"This database holds the benchmark practice {prefix} already.")
        started = time.perf_counter()
        made = seed(size, prefix=prefix)
        seeded = time.perf_counter() - started
        settle()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{size} ({prefix}): {len(made['coaches'])} coaches, {made['clients']} clients, "
                f"{made['appointments']} appointments, {made['groups']} groups "
                f"({made['meetings']} meetings), {made['messages']} messages, "
                f"{made['invoices']['invoices']} invoices, {made['audit']} rows of the audit "
                f"log in {seconds:.1f} s ({seeded:.1f} s writing, the rest VACUUM ANALYZE)"
            )
        )
