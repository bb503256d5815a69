import re
import sys

from django.core.management.base import BaseCommand, CommandError

from coaching.models import Client
from privacy.erasure import client_erase

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The line privacy.erasure writes to the application log for every erasure.
LOGGED = re.compile(
    r"Erasure: client ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)


class Command(BaseCommand):
    help = (
        "After restoring a backup made before some erasures: erases those clients again. "
        "Give their UUIDs, or --from-log with the application log (each erasure wrote a line "
        "'Erasure: client <uuid> …'; '-' reads standard input). The coaching need not be over "
        "in the restored data. --dry-run lists them and erases nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("uuids", nargs="*", help="UUIDs of erased clients")
        parser.add_argument("--from-log", metavar="FILE", help="the application log, or -")
        parser.add_argument("--dry-run", action="store_true", help="list, erase nothing")

    def handle(self, *args, uuids, from_log=None, dry_run: bool = False, **options):
        wanted = {uuid.lower() for uuid in uuids}
        malformed = sorted(uuid for uuid in wanted if not UUID.fullmatch(uuid))
        if malformed:
            raise CommandError(f"Not a client's UUID: {', '.join(malformed)}. Nothing was erased.")
        if from_log:
            if from_log == "-":
                wanted |= set(LOGGED.findall(sys.stdin.read()))
            else:
                with open(from_log, encoding="utf-8", errors="replace") as file:
                    wanted |= set(LOGGED.findall(file.read()))
        erased = 0
        for uuid in sorted(wanted):
            client = Client.objects.filter(uuid=uuid).first()
            if client is None:
                self.stdout.write(f"{uuid}  niet in deze database")
            elif client.erased_on is not None:
                self.stdout.write(f"{uuid}  al gewist")
            else:
                if not dry_run:
                    client_erase(client=client, by=None, again_after_restore=True)
                self.stdout.write(f"{uuid}  {'te wissen' if dry_run else 'gewist'}")
                erased += 1
        verb = "te wissen (dry run: niets gewist)" if dry_run else "opnieuw gewist"
        self.stdout.write(self.style.SUCCESS(f"{erased} cliënt(en) {verb}."))
