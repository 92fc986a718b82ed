import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from custos.access.models import RoleAssignment
from custos.access.roles import Role
from custos.accounts.models import User
from custos.assessments.models import Instrument
from custos.custody.models import Prisoner
from custos.demo import assessments as demo_assessments
from custos.demo import communications as demo_communications
from custos.demo import intelligence as demo_intelligence
from custos.demo import oversight as demo_oversight
from custos.demo.generator import DemoSystem


class Command(BaseCommand):
    help = ("Build a reproducible synthetic prison system and one user per role. "
            "Re-running adds nothing that exists: facilities already present are left as they are.")

    def add_arguments(self, parser):
        parser.add_argument("--prisoners", type=int, default=3000)
        parser.add_argument("--facilities", type=int, default=6)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", default="custos-demo-2026")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing when the database already holds prisoners")

    def handle(self, *args, prisoners, facilities, seed, password, if_empty, **options):
        if prisoners < 0 or facilities < 1:
            raise CommandError("--prisoners must be ≥ 0 and --facilities ≥ 1.")
        if if_empty and Prisoner.objects.exists():
            self.stdout.write("The database already holds prisoners; demo data left as it is.")
            return
        started = time.perf_counter()
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")
        users = self._users(password, seed)
        system = DemoSystem(seed=seed, actor=users[Role.DIRECTOR],
                            caseload=[users[Role.CASE_MANAGER], users[Role.PROVIDER]])
        per_facility = [prisoners // facilities + (1 if i < prisoners % facilities else 0)
                        for i in range(facilities)]
        made = 0
        offset = 1
        for index, count in enumerate(per_facility):
            facility = system.build_facility(index=index, prisoners=count, number_offset=offset)
            offset += count
            if facility is not None:
                made += 1
                self.stdout.write(f"  {facility.code} {facility.name}: {count} prisoners")
        loaded = demo_assessments.set_up(director=users[Role.DIRECTOR],
                                         assessor=users[Role.ASSESSOR],
                                         password_hash=users[Role.ASSESSOR].password)
        if loaded:
            self.stdout.write(f"  instruments: {', '.join(loaded)}; assessors: assessor, "
                              f"assessor2 (countersigns)")
            screened = demo_assessments.intake_screenings(
                instrument=Instrument.objects.filter(code="CUSTOS-INTAKE").latest("id"),
                assessor=users[Role.ASSESSOR], seed=seed)
            self.stdout.write(f"  intake screenings: {screened}")
        made_intelligence = {**demo_intelligence.set_up(users=users, seed=seed),
                             **demo_communications.set_up(analyst=users[Role.ANALYST],
                                                          seed=seed)}
        if made_intelligence:
            self.stdout.write("  intelligence: " + ", ".join(
                f"{count} {name}" for name, count in made_intelligence.items()))
        made_oversight = demo_oversight.set_up(users=users, seed=seed)
        if made_oversight:
            self.stdout.write("  oversight: " + ", ".join(
                f"{count} {name}" for name, count in made_oversight.items()))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, so the planner uses the name index
        self.stdout.write(self.style.SUCCESS(
            f"Demo system ready: {made} new facilities, {Prisoner.objects.count()} prisoners "
            f"in all ({time.perf_counter() - started:.1f} s)."))
        self.stdout.write("Logins (password as given): " + ", ".join(r.value for r in Role))

    @transaction.atomic
    def _users(self, password: str, seed: int) -> dict[str, User]:
        """One user per role; privileged ones get a TOTP device whose key is
        `twofactor.demo_key(username, seed)` (`custos demo_totp USERNAME` prints its code)."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from custos.accounts import twofactor

        users = {}
        hashed = make_password(password)  # once: hashing is deliberately slow
        for role in Role:
            user, created = User.objects.get_or_create(
                username=role.value, defaults={"display_name": str(role.label)})
            if created:
                user.password = hashed
                user.save(update_fields=["password"])
            RoleAssignment.objects.get_or_create(user=user, role=role.value, facility=None)
            if role.value in settings.CUSTOS_TWO_FACTOR_ROLES:
                TOTPDevice.objects.get_or_create(user=user, defaults={
                    "name": "demo", "key": twofactor.demo_key(user.username, seed)})
            users[role.value] = user
        return users
