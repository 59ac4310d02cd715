"""The demo's address book of regional youth-policy bodies: the regions of the past season's
finalists and of the demo participants. St Petersburg's body is entered without an address, so the
dossiers' outbox shows a region's dossier blocked until staff add one. Idempotent: a region
already entered is left as staff made it."""

from django.contrib.auth.models import AbstractBaseUser

from lms.youthbodies.selectors import youth_body_get
from lms.youthbodies.services import youth_body_save

# region code, name, addresses
YOUTH_BODIES = [
    ("77", "Комитет общественных связей и молодёжной политики города Москвы", ["molodezh@mos.example"]),
    ("78", "Комитет по молодёжной политике Санкт-Петербурга", []),
    ("23", "Министерство по делам молодёжи Краснодарского края", ["kadry@kubanmol.example"]),
    ("54", "Министерство образования Новосибирской области, отдел молодёжной политики", ["molod@nso.example"]),
    ("16", "Министерство по делам молодёжи Республики Татарстан", ["mdmrt@tatar.example"]),
    ("25", "Агентство молодёжной политики Приморского края", ["amp@primorsky.example"]),
]


def youthbodies_demo_seed(*, actor: AbstractBaseUser) -> int:
    """Returns how many regions of the table the address book has."""
    for region_code, name, emails in YOUTH_BODIES:
        if youth_body_get(region_code=region_code) is None:
            youth_body_save(region_code=region_code, name=name, emails=emails, active=True, actor=actor)
    return len(YOUTH_BODIES)
