"""The panel intelligence that names a child, as one part of what the product holds about them.

Deliberately in the subject access export (only administrators of the child's authority ask for
one, and they see the panels' intelligence already), as "Panel intelligence", with every field
marked "intelligence: review before disclosure": what may be disclosed is decided by a person.
Retention erases it with the child's record. Nowhere else does intelligence reach a child's pages
or another agency's files.
"""

from django.db.models import Q

from missing.child_data import INTELLIGENCE, ChildDataPart, ExportRecord, register_child_data_part

from .found import child_forgotten
from .models import Association, EpisodePlace
from .selectors import child_reference


def _name(kind, obj, child):
    if obj.pk == child.pk and kind == "child":
        return "The child"
    return child_reference(obj) if kind == "child" else f"{obj.name} ({kind})"


def _collect(child):
    rows = Association.objects.filter(Q(child=child) | Q(other_child=child)).select_related(
        "panel", "child", "person", "other_child", "other_person", "place"
    ).order_by("source_date")
    records = []
    for association in rows:
        fields = [
            ("panel", "Panel", association.panel.name),
            ("first", "Linked", _name(*association.first_end, child)),
            ("second", "With", _name(*association.second_end, child)),
            ("nature", "Link", association.nature),
            ("source", "Source", association.source),
            ("source_date", "Date", association.source_date),
            ("grade", "Grade (3x5x2)", association.grade),
        ]
        records.append(ExportRecord(title=f"Association: {association.nature}", fields=fields,
                                    review={name: INTELLIGENCE for name, _, _ in fields}))
    return records


def _erase(child):
    rows = Association.objects.filter(Q(child=child) | Q(other_child=child))
    ids = list(rows.values_list("pk", flat=True))
    rows.delete()
    Association.history.filter(id__in=ids).delete()
    EpisodePlace.objects.filter(episode__child=child).delete()
    child_forgotten(child)  # anonymised, the episodes no longer say where the child was found


def register():
    register_child_data_part(ChildDataPart("intelligence", "Panel intelligence (review before disclosure)", 80,
                                           _collect, erase=_erase))
