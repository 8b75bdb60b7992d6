"""HR pages for data coming in: upload a file, and every delivery (file, drop folder, SCIM, xAPI,
API) with its counts, delay and refused rows."""

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .access import hr_required
from .forms import DataUploadForm
from .importing import MAX_STORED_REJECTIONS, duration_text
from .importing.service import KINDS
from .importing.templates import FORMATS, columns_described, template_file
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
            text, tone = run_outcome(run)
            level = {
                "ok": messages.SUCCESS,
                "running": messages.INFO,
                "queued": messages.INFO,
                "partial": messages.WARNING,
            }
            text = f"{run.name} is {text}" if tone in ("running", "queued") else f"{run.name}: {text}"
            messages.add_message(request, level.get(tone, messages.ERROR), text)
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
            "kinds": [
                {"name": name, "label": kind.label, "columns": columns_described(name)} for name, kind in KINDS.items()
            ],
        },
    )


@hr_required(DATA_REFUSAL)
def upload_template(request, kind, file_format):
    """An empty file of one kind to fill in: the header and one example row, as CSV or XLSX."""
    if kind not in KINDS or file_format not in FORMATS:
        raise Http404("No such template.")
    response = HttpResponse(template_file(kind=kind, file_format=file_format), content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="talent-{kind}-template.{file_format}"'
    return response


@hr_required(DATA_REFUSAL)
def sync_list(request):
    status = request.GET.get("status", "") if request.GET.get("status") in SyncRun.Status.values else ""
    runs = SyncRun.objects.filter(status=status) if status else SyncRun.objects.all()
    page = Paginator(runs.order_by("-started_at", "-pk"), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_delays(page.object_list)
    context = {"page": page, "status": status, "statuses": SyncRun.Status.choices}
    return render(request, "profiles/hr/sync_list.html", context)


@hr_required(DATA_REFUSAL)
def sync_detail(request, pk):
    run = get_object_or_404(SyncRun.objects.select_related("triggered_by"), pk=pk)
    rejections = run.rejections.order_by("line", "pk")[:MAX_STORED_REJECTIONS]
    _with_delays([run])
    return render(
        request, "profiles/hr/sync_detail.html", {"run": run, "rejections": rejections, "kept": MAX_STORED_REJECTIONS}
    )


def run_outcome(run) -> tuple[str, str]:
    """What a delivery did, in words, and its tone (ok, partial, failed, running): a file whose
    every row was refused imported nothing, whatever its stored status says."""
    landed = run.created + run.updated + run.unchanged
    rows = f"{run.rejected:,} row{'s' if run.rejected != 1 else ''}"
    if run.status == SyncRun.Status.QUEUED:
        return _queued_outcome(run)
    if run.status == SyncRun.Status.RUNNING:
        return "being imported in the background; reload this page to see how far it got.", "running"
    if run.status == SyncRun.Status.FAILED:
        return "failed: nothing changed.", "failed"
    if run.rejected and not landed:
        return f"nothing imported: all {rows} were rejected. See why below, fix the file and upload it again.", "failed"
    counts = f"{run.created:,} created, {run.updated:,} updated, {run.unchanged:,} unchanged"
    if run.rejected:
        return f"imported with {rows} rejected ({counts}). See why below.", "partial"
    if run.status == SyncRun.Status.PARTIAL:
        return f"imported ({counts}), with notes below.", "partial"
    return f"imported ({counts}).", "ok"


# Past this, a queued upload says no task worker seems to be running (a worker takes a task in seconds).
WORKER_LATE = dt.timedelta(minutes=5)


def _queued_outcome(run) -> tuple[str, str]:
    waited = timezone.now() - run.started_at
    queued_at = timezone.localtime(run.started_at)
    if waited < WORKER_LATE:
        return f"queued for the task worker at {queued_at:%H:%M}; reload this page to see it start.", "queued"
    return (
        f"still waiting for the task worker: queued at {queued_at:%Y-%m-%d %H:%M}, {duration_text(waited.total_seconds())} "
        "ago, and no worker has started it. Check that the task worker (manage.py qcluster) is running: the file is "
        "kept and will be imported as soon as a worker takes it.",
        "waiting",
    )


STATUS_WORDS = {
    "ok": "Imported",
    "partial": "Imported, some rows rejected",
    "failed": "Nothing imported",
    "running": "Running",
    "queued": "Queued",
    "waiting": "Waiting for the task worker",
}


def _with_delays(runs):
    """Give each run ``max_delay`` and ``median_delay`` in words ("3.2 h") and what it did
    (``outcome``, ``tone``, ``status_words``) for the templates."""
    runs = list(runs)
    for run in runs:
        run.max_delay = duration_text(run.max_delay_seconds)
        run.median_delay = duration_text(run.median_delay_seconds)
        run.outcome, run.tone = run_outcome(run)
        run.status_words = STATUS_WORDS[run.tone]
        if run.tone == "partial" and not run.rejected:
            run.status_words = "Imported, with notes"
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
