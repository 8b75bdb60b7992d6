"""HR pages for data coming in: upload a file, and every delivery (file, drop folder, SCIM, xAPI,
API) with its counts, delay and refused rows."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from .access import hr_required
from .forms import DataUploadForm
from .importing import MAX_STORED_REJECTIONS, duration_text
from .importing.uploads import IN_REQUEST_MAX_BYTES, upload_import
from .models import SyncRun

RUNS_PER_PAGE = 50
FILE_SOURCES = [SyncRun.Source.FILE, SyncRun.Source.DROP_FOLDER]


DATA_REFUSAL = "Data imports are for the HR team."


@hr_required(DATA_REFUSAL)
def upload(request):
    form = DataUploadForm(request.POST or None, request.FILES or None)
    failed = None
    if request.method == "POST" and form.is_valid():
        run = upload_import(upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"], user=request.user)
        if run.status != SyncRun.Status.FAILED or run.received:
            if run.status == SyncRun.Status.RUNNING:
                messages.info(
                    request, f"{run.name} is being imported in the background; reload this page to see how far it got."
                )
            else:
                messages.success(
                    request,
                    f"Imported {run.name}: {run.created} created, {run.updated} updated, "
                    f"{run.unchanged} unchanged, {run.rejected} rejected.",
                )
            return redirect("hr_data:sync", pk=run.pk)
        form.add_error("file", run.error)
        failed = run
    recent = _with_delays(SyncRun.objects.filter(source__in=FILE_SOURCES).select_related("triggered_by")[:5])
    return render(
        request,
        "profiles/hr/upload.html",
        {
            "form": form,
            "failed": failed,
            "recent": recent,
            "in_request_mb": IN_REQUEST_MAX_BYTES // (1024 * 1024),
        },
    )


@hr_required(DATA_REFUSAL)
def sync_list(request):
    page = Paginator(SyncRun.objects.order_by("-started_at", "-pk"), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_delays(page.object_list)
    return render(request, "profiles/hr/sync_list.html", {"page": page})


@hr_required(DATA_REFUSAL)
def sync_detail(request, pk):
    run = get_object_or_404(SyncRun.objects.select_related("triggered_by"), pk=pk)
    rejections = run.rejections.order_by("line", "pk")[:MAX_STORED_REJECTIONS]
    _with_delays([run])
    return render(
        request, "profiles/hr/sync_detail.html", {"run": run, "rejections": rejections, "kept": MAX_STORED_REJECTIONS}
    )


def _with_delays(runs):
    """Give each run ``max_delay`` and ``median_delay`` in words ("3.2 h") for the templates."""
    runs = list(runs)
    for run in runs:
        run.max_delay = duration_text(run.max_delay_seconds)
        run.median_delay = duration_text(run.median_delay_seconds)
    return runs


PRIVACY_REFUSAL = "One person's data is exported and erased by the HR team."


@hr_required(PRIVACY_REFUSAL)
def person_data(request, pk):
    """Everything held on one employee (GDPR art. 15 and 20): a readable page, or ``?format=json``."""
    from django.http import JsonResponse

    from .access import employee_for_viewer
    from .privacy import employee_export

    employee = employee_for_viewer(request, pk)
    export = employee_export(employee=employee, by=request.user)
    if request.GET.get("format") == "json":
        response = JsonResponse(export, json_dumps_params={"indent": 2, "default": str})
        response["Content-Disposition"] = f'attachment; filename="employee-{employee.pk}.json"'
        return response
    return render(request, "profiles/hr/person_data.html", {"employee": employee, "export": export})
