import time

from django.core.management.base import BaseCommand, CommandError

from bench.seed import SIZES, seed, settle


class Command(BaseCommand):
    help = (
        "Fills the database with a benchmark practice, the same every time: S (10 clients, "
        "100 appointments) or L (10 coaches, 10,000 clients, 100,000 appointments, 200 "
        "Backstage groups, 20,000 e-mail coaching messages). For a benchmark database only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), required=True)

    def handle(self, *args, size: str, **options):
        from coaching.models import User

        if User.objects.filter(email__startswith="bench-coach-").exists():
            raise CommandError("This database holds a benchmark practice already.")
        started = time.perf_counter()
        made = seed(size)
        settle()
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{size}: {len(made['coaches'])} coaches, {made['clients']} clients, "
                f"{made['appointments']} appointments, {made['groups']} groups "
                f"({made['meetings']} meetings), {made['messages']} messages in {seconds:.1f} s"
            )
        )
