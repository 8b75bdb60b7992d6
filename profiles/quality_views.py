"""The HR data-quality page: open flags by kind, filterable and paginated."""

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import render

from .access import hr_required
from .models import DataQualityFlag
from .quality import last_scan_at

PAGE_SIZE = 50


@hr_required("The data-quality flags are for the HR team.")
def flag_list(request):
    kind = request.GET.get("kind", "")
    if kind not in DataQualityFlag.Kind.values:
        kind = ""
    open_flags = DataQualityFlag.objects.filter(resolved_at__isnull=True)
    counts = dict(open_flags.order_by().values_list("kind").annotate(n=Count("pk")))
    listed = open_flags.filter(kind=kind) if kind else open_flags
    # Newest first; ids rise with opened_at, and the primary key needs no sort.
    page = Paginator(listed.select_related("employee").order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [(value, label, counts.get(value, 0)) for value, label in DataQualityFlag.Kind.choices]
    context = {
        "cards": cards,
        "total": sum(counts.values()),
        "kind": kind,
        "kind_label": DataQualityFlag.Kind(kind).label if kind else "",
        "page": page,
        "last_scan": last_scan_at(),
    }
    return render(request, "profiles/quality/flags.html", context)
