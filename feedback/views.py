"""Pages of the text layer and peer input: what people wrote about a person (with the skills it
mentions and the themes that recur), anytime feedback to a colleague, and the person search.

Each view opens with the access rule (``profiles.access``): a person's texts, mentions and themes
are seen by who may see that person; feedback is given by anyone with an employee record to any
colleague, whose name and role the search shows (a directory, not their profile).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from profiles.access import employee_for_viewer, employee_of, hr_required, is_hr
from profiles.models import Employee
from taxonomy.models import BehaviouralAnchor

from . import mentions as mention_services
from . import services
from . import themes as theme_services
from .forms import FeedbackGiveForm, MentionEvidenceForm, ThemeHideForm
from .models import Signal, SkillMention, Text, Theme
from .selectors import people_search

TEXTS_SHOWN = 50


def _viewer(request) -> Employee:
    viewer = employee_of(request.user)
    if viewer is None:
        raise PermissionDenied("Your account is not linked to an employee record; ask HR to link it.")
    return viewer


@login_required
def texts(request, pk):
    """What people wrote about one person: each text with its skill mentions, and the themes."""
    employee = employee_for_viewer(request, pk)
    shown = (
        Text.objects.filter(employee=employee)
        .select_related("author")
        .prefetch_related(Prefetch("mentions", SkillMention.objects.select_related("skill").order_by("-score")))
        .order_by("-written_at")[:TEXTS_SHOWN]
    )
    skill_ids = {m.skill_id for text in shown for m in text.mentions.all()}
    anchors = {}
    for anchor in BehaviouralAnchor.objects.filter(skill_id__in=skill_ids):
        anchors.setdefault(anchor.skill_id, []).append(anchor)
    context = {
        "employee": employee,
        "texts": shown,
        "anchors": anchors,
        "themes": Theme.objects.filter(employee=employee, hidden=False),
        "team_themes": Theme.objects.filter(manager=employee, hidden=False),
        "is_self": employee_of(request.user) == employee,
        "may_hide": is_hr(request.user),
    }
    return render(request, "feedback/texts.html", context)


@login_required
@require_POST
def mention_evidence(request, pk):
    """Turn a mention into evidence at the level chosen on the skill's anchors."""
    mention = get_object_or_404(SkillMention.objects.select_related("skill"), pk=pk)
    employee = employee_for_viewer(request, mention.employee_id)
    form = MentionEvidenceForm(request.POST)
    to = reverse("feedback:texts", args=[employee.pk]) + f"#text-{mention.text_id}"
    if not form.is_valid():
        messages.error(request, "Choose a level for the evidence.")
        return redirect(to)
    try:
        mention_services.mention_to_evidence(mention=mention, level=form.cleaned_data["level"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Recorded as {mention.skill.name} evidence at level {form.cleaned_data['level']}.")
    return redirect(to)


@hr_required("Only HR can hide a theme.")
@require_POST
def theme_hide(request, pk):
    theme = get_object_or_404(Theme, pk=pk)
    owner = theme.employee_id or theme.manager_id
    form = ThemeHideForm(request.POST)
    if form.is_valid():
        theme_services.theme_hide(theme=theme, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, f"Theme \u201c{theme.label}\u201d hidden.")
    else:
        messages.error(request, "Say why the theme is wrong.")
    return redirect(reverse("feedback:texts", args=[owner]) + "#themes")


@login_required
def give(request):
    """Anytime feedback to a colleague: it lands on their /me/ and in their manager's briefing."""
    viewer = _viewer(request)
    form = FeedbackGiveForm(request.POST or None, giver=viewer)
    if request.method == "POST" and form.is_valid():
        recipient = form.cleaned_data["recipient"]
        try:
            services.signal_record(
                employee=recipient,
                kind=Signal.Kind.PEER_ACKNOWLEDGMENT,
                text=form.cleaned_data["text"],
                author=request.user,
            )
        except ValidationError as error:
            form.add_error("text", error)
        else:
            messages.success(request, f"Sent to {recipient.full_name}. Thank you for taking the time.")
            return redirect("feedback:give")
    query = request.GET.get("q", "") or request.POST.get("q", "")
    context = {"form": form, "query": query, "results": people_search(query=query, exclude=viewer)}
    return render(request, "feedback/give.html", context, status=400 if form.errors else 200)


@login_required
def people(request):
    """Colleagues by name for the feedback form: at most 10, from two letters typed."""
    _viewer(request)
    return JsonResponse({"results": people_search(query=request.GET.get("q", ""), exclude=employee_of(request.user))})
