"""Pages of the text layer and peer input: what people wrote about a person (with the skills it
mentions and the themes that recur), anytime feedback to a colleague, and the person search.

Each view opens with the access rule (``profiles.access``): a person's texts, mentions and themes
are seen by who may see that person; feedback is given by anyone with an employee record to any
colleague, whose name and role the search shows (a directory, not their profile).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from profiles.access import employee_for_viewer, employee_of, hr_required, is_hr, visible_employees
from profiles.models import Employee
from taxonomy.models import BehaviouralAnchor, Skill

from . import mentions as mention_services
from . import peer, replan, reviews, services
from . import themes as theme_services
from .forms import (
    DeepReviewForm,
    FeedbackAnswerForm,
    FeedbackGiveForm,
    FeedbackRequestForm,
    MentionEvidenceForm,
    ThemeHideForm,
)
from .models import (
    ANONYMOUS_MIN_ANSWERS,
    DeepReview,
    FeedbackAsk,
    FeedbackRequest,
    ReviewCycle,
    Signal,
    SkillMention,
    Text,
    Theme,
)
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


# --- light 360 ----------------------------------------------------------------------------------


@login_required
def requests(request):
    """Feedback asked of me (to answer) and the requests about me."""
    viewer = _viewer(request)
    mine = FeedbackRequest.objects.filter(subject=viewer).prefetch_related("asks").order_by("-created_at")[:20]
    return render(
        request, "feedback/requests.html", {"asks": peer.open_asks(respondent=viewer), "mine": mine, "viewer": viewer}
    )


@login_required
def request_new(request, pk):
    """Ask colleagues around a person (their manager, peers, reports) about skills on their gap list."""
    subject = employee_for_viewer(request, pk)
    colleagues = (
        Employee.objects.active()
        .filter(
            Q(pk=subject.manager_id)
            | Q(manager_id=subject.pk)
            | Q(manager_id=subject.manager_id, manager__isnull=False)
        )
        .exclude(pk=subject.pk)
    )
    skills = Skill.objects.filter(pk__in=peer.gap_skill_ids(subject)).order_by("name")
    form = FeedbackRequestForm(request.POST or None, colleagues=colleagues, skills=skills)
    if request.method == "POST" and form.is_valid():
        try:
            made = peer.feedback_request_open(
                subject=subject,
                by=request.user,
                respondents=list(form.cleaned_data["respondents"]),
                skills=list(form.cleaned_data["skills"]),
                due_on=form.cleaned_data["due_on"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Asked {made.asks.count()} colleague(s); they have until {made.due_on:%d %b}.")
            return redirect("feedback:request_detail", made.pk)
    status = 400 if form.errors else 200
    return render(request, "feedback/request_new.html", {"subject": subject, "form": form}, status=status)


@login_required
def request_detail(request, pk):
    """Who answered, and what they said: per person, or pooled when the request is anonymous."""
    made = get_object_or_404(FeedbackRequest.objects.select_related("subject"), pk=pk)
    employee_for_viewer(request, made.subject_id)
    context = {"made": made, "results": peer.feedback_results(request=made), "minimum": ANONYMOUS_MIN_ANSWERS}
    return render(request, "feedback/request_detail.html", context)


@login_required
def ask_answer(request, pk):
    """The colleague's short form: a level per skill on its anchors, and a comment."""
    viewer = _viewer(request)
    ask = get_object_or_404(FeedbackAsk.objects.select_related("request__subject"), pk=pk, respondent=viewer)
    skills = list(ask.request.skills.order_by("name"))
    anchors = {}
    for anchor in BehaviouralAnchor.objects.filter(skill__in=skills):
        anchors.setdefault(anchor.skill_id, {})[anchor.level] = anchor.description
    form = FeedbackAnswerForm(request.POST or None, skills=skills, anchors=anchors)
    if request.method == "POST" and form.is_valid() and ask.answered_at is None:
        try:
            peer.feedback_answer(ask=ask, by=request.user, levels=form.levels(), comment=form.cleaned_data["comment"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Thank you: {ask.request.subject.first_name} will see it with the others.")
            return redirect("feedback:requests")
    status = 400 if form.errors else 200
    return render(request, "feedback/ask_answer.html", {"ask": ask, "form": form}, status=status)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field_name, errors in error.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- quarterly deep reviews -----------------------------------------------------------------------

REVIEWS_LISTED = 200
REVIEW_STATES = {"overdue": "Overdue", "open": "Not completed", "completed": "Completed"}


@login_required
def review_list(request):
    """Reviews the viewer may see: their own, their line's (a manager), or everyone's (HR), with
    HR's cadence filters (cycle, manager or business unit, state)."""
    today = timezone.localdate()
    shown = (
        DeepReview.objects.filter(employee__in=visible_employees(request.user))
        .select_related("cycle", "employee", "manager", "employee__business_unit")
        .order_by("-cycle__period_start", "employee__last_name", "employee__first_name")
    )
    filters = {}
    for name, field in (("cycle", "cycle_id"), ("manager", "manager_id"), ("unit", "employee__business_unit_id")):
        value = request.GET.get(name, "")
        if value.isascii() and value.isdigit() and len(value) < 19:
            shown = shown.filter(**{field: int(value)})
            filters[name] = int(value)
    state = request.GET.get("state", "")
    if state == "overdue":
        shown = shown.filter(reviews.overdue_filter(today))
    elif state == "open":
        shown = shown.exclude(status=DeepReview.Status.COMPLETED)
    elif state == "completed":
        shown = shown.filter(status=DeepReview.Status.COMPLETED)
    rows = list(shown[:REVIEWS_LISTED])
    for review in rows:
        review.overdue = reviews.review_overdue(review, today)
    context = {"reviews": rows, "limit": REVIEWS_LISTED, "state": REVIEW_STATES.get(state), "filters": filters}
    return render(request, "feedback/review_list.html", context)


@login_required
def review(request, pk):
    """One deep review: the employee fills in the self-assessment, a manager in the line completes
    it; HR and managers above read it. Peer input comes from the light 360 requests about them."""
    review = get_object_or_404(DeepReview.objects.select_related("cycle", "manager"), pk=pk)
    review.employee = employee_for_viewer(request, review.employee_id)
    is_self = employee_of(request.user) == review.employee
    may_complete = reviews.may_complete(review=review, by=request.user)
    part = "self" if is_self else "manager" if may_complete else None
    if review.status == DeepReview.Status.COMPLETED:
        part = None
    ratings = list(review.ratings.select_related("skill"))
    anchors = {}
    for anchor in BehaviouralAnchor.objects.filter(skill_id__in=[r.skill_id for r in ratings]):
        anchors.setdefault(anchor.skill_id, {})[anchor.level] = anchor.description
    questions = review.cycle.question_list if part == "self" else ()
    initial = {f"answer_{n}": a.get("answer", "") for n, a in enumerate(review.answers)} if part == "self" else {}
    if part == "self":
        initial["comment"] = review.self_comment
    data = request.POST if request.method == "POST" and part else None
    form = (
        DeepReviewForm(
            data,
            part=part,
            ratings=ratings,
            anchors=anchors,
            questions=questions,
            initial=initial,
            items=replan.plan_items(review.employee),
            said=review.self_plan if part == "self" else review.manager_plan,
            other=review.self_plan if part == "manager" else {},
        )
        if part
        else None
    )
    if data is not None and form.is_valid():
        try:
            if part == "self":
                reviews.review_self_submit(
                    review=review,
                    by=request.user,
                    ratings=form.ratings(),
                    answers=form.answers(),
                    comment=form.cleaned_data["comment"],
                    plan=form.plan(),
                )
                messages.success(
                    request, "Self-assessment sent. You can change it until your manager completes the review."
                )
            else:
                reviews.review_complete(
                    review=review,
                    by=request.user,
                    ratings=form.ratings(),
                    comment=form.cleaned_data["comment"],
                    plan=form.plan(),
                )
                messages.success(
                    request,
                    f"Review completed. The ratings are {review.employee.first_name}'s skill evidence now; "
                    "the plan is being recalculated.",
                )
            return redirect("feedback:review", review.pk)
        except ValidationError as error:
            _form_errors(form, error)
    if request.method == "POST" and not part:
        raise PermissionDenied("Only the employee and a manager in their line fill in this review.")
    peers = (
        FeedbackRequest.objects.filter(subject=review.employee, created_at__date__gte=review.cycle.period_start)
        .annotate(asked=Count("asks"), answered=Count("asks", filter=Q(asks__answered_at__isnull=False)))
        .order_by("-created_at")[:5]
    )
    context = {
        "review": review,
        "ratings": ratings,
        "form": form,
        "part": part,
        "is_self": is_self,
        "overdue": reviews.review_overdue(review, timezone.localdate()),
        "peer_requests": peers,
        **_plan_context(review, as_hr=is_hr(request.user)),
    }
    return render(request, "feedback/review.html", context, status=400 if form is not None and form.errors else 200)


def _plan_context(review: DeepReview, *, as_hr: bool) -> dict:
    """A closed review's plan: the re-rated gaps, and what changed once the plan was recalculated."""
    if review.status != DeepReview.Status.COMPLETED or not review.plan_before:
        return {}
    rerated = [w for w in review.plan_before.get("weights", []) if {w["self"], w["manager"]} - {None, "keep"}]
    context = {"plan_before": review.plan_before, "plan_rerated": rerated, "plan_top": replan.SNAPSHOT_GAPS}
    if not review.plan_after:
        context["plan_pending"] = True
    elif not replan.plan_released(review=review, as_hr=as_hr):
        context["plan_waiting"] = True
    else:
        context["plan_changes"] = replan.plan_changes(review.plan_before, review.plan_after)
    return context


@hr_required("The cadence page is for the HR team.")
def cadence(request):
    """HR: per manager or business unit, reviews, check-ins and 360 answers due, done, overdue."""
    cycles = list(ReviewCycle.objects.order_by("-period_start")[:12])
    chosen = request.GET.get("cycle", "")
    cycle = next((c for c in cycles if str(c.pk) == chosen), cycles[0] if cycles else None)
    by = request.GET.get("by") if request.GET.get("by") in reviews.GROUPS else "manager"
    context = {
        **reviews.cadence(cycle=cycle, by=by),
        "cycles": cycles,
        "groups": reviews.GROUPS,
        "group_label": reviews.GROUPS[by],
    }
    return render(request, "feedback/cadence.html", context)
