"""Demo placements for `seed_demo` (N7): establishments here and in a neighbouring council, the
looked-after children's placement history, children placed here by another council and ours placed
out, one other council's notices mailbox configured (its notices go out) and one not (its notices
show as owed by the MASH). Ethnicity and home area are filled in on the children's records."""

from datetime import timedelta

from django.db import transaction

from casework.calendar import local_date

from ..models import Child, Ethnicity, LegalStatus, ProviderKind
from .services import contact_save, placement_record, provider_create

PLACED_BY = "Elsewhere County Council"
HOST = "Nearby Shire Council"
LOCAL = [
    ("Larch House children's home", ProviderKind.CHILDRENS_HOME, "SC700101"),
    ("Birchview fostering agency", ProviderKind.FOSTER_CARE, ""),
    ("Maple Court residential", ProviderKind.CHILDRENS_HOME, "SC700102"),
    ("Riverside supported lodgings", ProviderKind.SUPPORTED_ACCOMMODATION, ""),
]
AWAY = [
    ("Hilltop House", ProviderKind.CHILDRENS_HOME, "SC700201"),
    ("Coastline secure unit", ProviderKind.SECURE, "SC700202"),
]
KIND_TO_TYPE = {
    ProviderKind.CHILDRENS_HOME: "childrens_home",
    ProviderKind.FOSTER_CARE: "foster_care",
    ProviderKind.SUPPORTED_ACCOMMODATION: "supported_accommodation",
    ProviderKind.SECURE: "secure",
}
DISTRICTS = ["DB1", "DB2", "DB3", "DB4", "DB10", "DB11"]


def _pick(children, flag, count, taken):
    chosen = [c for c in children if getattr(c, flag) and c.pk not in taken]
    spare = [c for c in children if c.legal_status == LegalStatus.LOOKED_AFTER and c.pk not in taken]
    spare += [c for c in children if c.pk not in taken]
    for child in spare:
        if len(chosen) >= count:
            break
        if child not in chosen:
            chosen.append(child)
    taken.update(c.pk for c in chosen)
    return chosen


@transaction.atomic
def seed_placements(*, la, users, children, rng, now):
    mash, admin = users["mash"], users["admin"]
    today = local_date(now)
    local = [provider_create(actor=mash, authority=la, name=name, kind=kind, ofsted_urn=urn,
                             postcode=f"DB{n + 1} {n + 2}AA") for n, (name, kind, urn) in enumerate(LOCAL)]
    away = [provider_create(actor=mash, authority=la, name=name, kind=kind, ofsted_urn=urn, host_authority=HOST)
            for name, kind, urn in AWAY]
    by_name = {p.name: p for p in local}

    # The record's other fields the reports break down by.
    for child in children:
        child.ethnicity = rng.choice(Ethnicity.values[:-2])
        child.home_area = rng.choice(DISTRICTS)
    Child.objects.bulk_update(children, ["ethnicity", "home_area"], batch_size=1000)

    contact_save(actor=admin, authority=la, other_authority=PLACED_BY, email="missing-notices@elsewhere.invalid")

    taken = set()
    placed_in = _pick(children, "placed_by_other_authority", max(2, len(children) // 40), taken)
    placed_out = _pick(children, "placed_out_of_area", max(2, len(children) // 60), taken)
    looked_after = [c for c in children if c.legal_status == LegalStatus.LOOKED_AFTER and c.pk not in taken]

    def place(child, provider, **extra):
        earliest = child.date_of_birth + timedelta(days=1)
        started = max(earliest, today - timedelta(days=rng.randint(120, 400)))
        if rng.random() < 0.5 and started + timedelta(days=60) < today:
            first = rng.choice(local)
            placement_record(actor=mash, child=child, provider=first, placement_type=KIND_TO_TYPE[first.kind],
                             started_on=started, ended_on=started + timedelta(days=30))
            started += timedelta(days=31)
        placement_record(actor=mash, child=child, provider=provider, placement_type=KIND_TO_TYPE[provider.kind],
                         started_on=started, **extra)

    for child in placed_in:
        place(child, by_name.get(child.placement_provider) or rng.choice(local), responsible_authority=PLACED_BY)
    for child in placed_out:
        place(child, rng.choice(away))
    for child in looked_after:
        place(child, by_name.get(child.placement_provider) or rng.choice(local))
    return {"placed_in": placed_in, "placed_out": placed_out}
