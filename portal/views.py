"""The employee and manager portals: pages that bring the apps together for one person.

They live in ``portal``, above the apps, because they read from every app (profile, analysis,
recommendations and feedback). Each view opens with the access rule, then calls a selector
(``portal.pages`` assembles what a page shows) or a service, then renders.

* ``/``: sends each person where they work (HR home, team, or /me/); ``/hr/``: the HR home.

* ``/me/``: where I stand, what to work on, is this right (confirm or contest a level), what to
  learn next (accept, dismiss or finish a recommendation), where I can go, tell us (goals,
  reflections), my progress.
* ``/team/``: every direct and indirect report, sortable; ``/team/<pk>/briefing/`` prepares the
  monthly check-in and takes its log, flags and notes; ``/team/contests/`` lists contested
  skill levels for a manager (their line) or HR (everyone) to decide.
"""

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import spreadsheets
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.forms import (
    AspirationForm,
    CheckInForm,
    ConfirmLevelForm,
    ContestDecisionForm,
    ContestForm,
    FlagForm,
    ManagerNoteForm,
    ReflectionForm,
    RelevanceForm,
)
from feedback.models import CheckIn, Signal, SkillContest
from metrics import capability, capability_selectors
from profiles import selectors as profile_selectors
from profiles.access import employee_for_viewer, employee_of, hr_required, is_hr, is_manager, manages, visible_employees
from profiles.models import BusinessUnit, Employee
from recommendations import moves, outcomes
from recommendations import selectors as analysis_selectors
from recommendations.catalogue_gaps import catalogue_gaps
from recommendations.engine.rationale import about_them
from recommendations.models import Candidacy, Opportunity, Recommendation
from taxonomy.models import Skill

from . import pagecache, pages
from .briefing import briefing_context, checkin_inputs


@login_required
def home(request):
    """Send each role where it works: HR to the HR home, managers to their team, employees to /me/."""
    if is_hr(request.user):
        return redirect("hr_home")
    if is_manager(request.user):
        return redirect("portal:team")
    if employee_of(request.user) is not None:
        return redirect("portal:me")
    return render(request, "portal/unlinked.html", status=403)


@hr_required("The HR home is for the HR team.")
def hr_home(request):
    return render(request, "portal/hr_home.html", {**pages.hr_home_context(), "catalogue_gaps": catalogue_gaps()})


def _linked_employee(request):
    viewer = employee_of(request.user)
    if viewer is None:
        raise PermissionDenied("Your account is not linked to an employee record; ask HR to link it.")
    return viewer


def _report_for_viewer(request, pk):
    """A report the viewer may see (their line, or anyone for HR), never the viewer themselves."""
    employee = employee_for_viewer(request, pk)
    viewer = employee_of(request.user)
    if viewer is not None and viewer.pk == employee.pk:
        raise PermissionDenied(
            "Briefings and contest decisions are for your managers; your own page is “My development”."
        )
    return employee


def _manager_of(request, pk):
    """A report the viewer manages (direct or indirect), for writes only their managers make."""
    employee = _report_for_viewer(request, pk)
    if not manages(request.user, employee):
        raise PermissionDenied(f"Only a manager in {employee.full_name}'s reporting line can do this.")
    return employee


def _contest_for_viewer(request, pk):
    contest = get_object_or_404(SkillContest.objects.select_related("skill", "decided_by__employee"), pk=pk)
    contest.employee = _report_for_viewer(request, contest.employee_id)
    return contest


def _form_errors(form, error: ValidationError):
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _answer(request, text: str, *, to: str, section: str, level: int = messages.SUCCESS):
    """Say ``text`` inside the page section ``section`` (``templates/_messages.html``) and redirect
    to it: the answer to a form is where the browser lands, not above it, out of sight."""
    messages.add_message(request, level, text, extra_tags=section)
    return redirect(f"{to}#{section}")


def _learning_cards(request, employee, *, for_manager: bool = False):
    """The learning-recommendation cards (``recommendations/_learning.html``): its keys at the top
    level, as the partial reads them, and under ``learning`` for the page's include slot."""
    learning = analysis_selectors.learning_context(employee, as_hr=is_hr(request.user), for_manager=for_manager)
    return {"learning": learning, **learning}


def _profile(request, employee):
    levels = analysis_selectors.employee_levels(employee=employee)
    analysis = analysis_selectors.analysis_context(employee=employee, as_hr=is_hr(request.user), levels=levels)
    viewer = employee_of(request.user)
    if viewer is None or viewer.pk != employee.pk:  # the sentences are written to the employee
        for gap in analysis.get("gaps", []):
            gap.rationale = about_them(gap.rationale)
    return {
        **profile_selectors.profile_context(employee=employee, levels=levels),
        **analysis,
        "own_page": viewer == employee,
    }


# --- /me/ --------------------------------------------------------------------------------------


def _render_me(request, employee, *, status=200, **forms):
    """/me/; ``forms`` are bound forms with errors to show in place of the empty ones."""

    def build():
        context = pages.me_context(employee=employee, as_hr=is_hr(request.user))
        goal = context["aspiration"]
        return context | {
            **_learning_cards(request, employee),
            "aspiration_form": AspirationForm(
                initial={
                    "target_role": goal.target_role_id,
                    "interests": goal.interests,
                    "not_wanted_roles": [role.pk for role in goal.not_wanted_roles.all()],
                }
                if goal
                else None
            ),
            "reflection_form": ReflectionForm(),
            "relevance_form": RelevanceForm(),
            **forms,
        }

    return pagecache.page(
        request,
        name="me",
        employee=employee,
        template="portal/me.html",
        build=build,
        status=status,
    )


@login_required
def me(request):
    return _render_me(request, _linked_employee(request))


@login_required
@require_POST
def skill_confirm(request, skill_pk):
    employee = _linked_employee(request)
    skill = get_object_or_404(Skill, pk=skill_pk)
    form = ConfirmLevelForm(request.POST)
    if form.is_valid():
        feedback_services.skill_level_confirm(
            employee=employee, skill=skill, level=form.cleaned_data["level"], by=request.user
        )
        text, level = f"Thanks: you confirmed {skill.name} at level {form.cleaned_data['level']}.", messages.SUCCESS
    else:
        text, level = "That level could not be confirmed: reload the page and try again.", messages.ERROR
    return _answer(request, text, to=reverse("portal:me"), section="standing", level=level)


@login_required
def skill_contest(request, skill_pk):
    employee = _linked_employee(request)
    skill = get_object_or_404(Skill, pk=skill_pk)
    context = pages.contest_page_context(employee=employee, skill=skill)
    on_record = context["level"]["shown"] if context["level"] else None
    form = ContestForm(request.POST or None, anchors=context["anchors"], on_record=on_record)
    if form.is_valid():
        try:
            feedback_services.contest_open(employee=employee, skill=skill, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            who = employee.manager.full_name if employee.manager_id else "HR"
            text = f"Sent to {who}. You will see the decision here, kept with your evidence."
            return _answer(request, text, to=reverse("portal:me"), section="contests")
    return render(request, "portal/contest.html", {**context, "form": form}, status=400 if form.is_bound else 200)


@login_required
@require_POST
def aspiration(request):
    employee = _linked_employee(request)
    form = AspirationForm(request.POST)
    if form.is_valid():
        try:
            feedback_services.aspiration_state(employee=employee, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            text = "Your career goal is saved. Your paths and gaps are being recalculated."
            return _answer(request, text, to=reverse("portal:me"), section="tell-us")
    return _render_me(request, employee, status=400, aspiration_form=form)


@login_required
@require_POST
def reflection(request):
    employee = _linked_employee(request)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        feedback_services.signal_record(
            employee=employee, kind=Signal.Kind.SELF_REFLECTION, text=form.cleaned_data["text"], author=request.user
        )
        text = "Reflection saved. Your manager will see it in your next check-in briefing."
        return _answer(request, text, to=reverse("portal:me"), section="tell-us")
    return _render_me(request, employee, status=400, reflection_form=form)


@login_required
@require_POST
def checkin_answer(request, pk):
    employee = _linked_employee(request)
    checkin = get_object_or_404(CheckIn, pk=pk, employee=employee)
    form = RelevanceForm(request.POST)
    if form.is_valid():
        try:
            feedback_services.checkin_answer(checkin=checkin, relevance=form.cleaned_data["relevance"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return _answer(request, "Thanks for your answer.", to=reverse("portal:me"), section="tell-us")
    return _render_me(request, employee, status=400, relevance_form=form)


# What each button on a learning pick does: the service, and what the employee is told after it
# (in the learning card, tagged "learning", where the redirect to /me/#learning lands).
RECOMMENDATION_ACTIONS = {
    "accept": (outcomes.recommendation_accept, "Accepted: {title}. It is in your plan."),
    "dismiss": (outcomes.recommendation_dismiss, "Dismissed: {title}. It will not be recommended to you again."),
    "complete": (
        outcomes.recommendation_complete,
        "Done: {title}. It is in your learning history, and your gaps are being recalculated.",
    ),
}


@login_required
@require_POST
def recommendation_act(request, pk):
    """Accept, dismiss (with a reason) or complete one of my own learning recommendations."""
    employee = _linked_employee(request)
    recommendation = get_object_or_404(Recommendation.objects.select_related("resource"), pk=pk, employee=employee)
    action = request.POST.get("action", "")
    if action not in RECOMMENDATION_ACTIONS:
        text = "Nothing changed: choose Accept, Mark as done or Dismiss."
        return _answer(request, text, to=reverse("portal:me"), section="learning", level=messages.ERROR)
    service, done = RECOMMENDATION_ACTIONS[action]
    reason = {"reason": request.POST.get("reason", "")} if action == "dismiss" else {}
    try:
        service(recommendation=recommendation, by=request.user, **reason)
    except ValidationError as error:
        text = " ".join(error.messages)
        if hasattr(error, "error_dict"):  # a missing reason does not name the pick; the card may list several
            text = f"Nothing changed for “{recommendation.resource.title}”. {text}"
        return _answer(request, text, to=reverse("portal:me"), section="learning", level=messages.ERROR)
    text = done.format(title=recommendation.resource.title)
    return _answer(request, text, to=reverse("portal:me"), section="learning")


# --- internal opportunities: my interest ------------------------------------------------------


@login_required
@require_POST
def interest_express(request, pk):
    """Say I am interested in a matched opportunity; my manager is told only if I tick the box."""
    employee = _linked_employee(request)
    opportunity = get_object_or_404(Opportunity, pk=pk)
    try:
        moves.interest_express(
            employee=employee, opportunity=opportunity, tell_manager=request.POST.get("tell_manager") == "on"
        )
    except ValidationError as error:
        text = " ".join(error.messages)
        return _answer(request, text, to=reverse("portal:me"), section="careers", level=messages.ERROR)
    who = "the person who posted it and HR" if opportunity.posted_by_id else "HR"
    told = " and your manager" if request.POST.get("tell_manager") == "on" else "; your manager is not told"
    text = f"You are interested in “{opportunity.title}”: {who}{told} can see it."
    return _answer(request, text, to=reverse("portal:me"), section="careers")


@login_required
@require_POST
def interest_withdraw(request, pk):
    employee = _linked_employee(request)
    candidacy = get_object_or_404(Candidacy.objects.select_related("opportunity"), pk=pk, employee=employee)
    try:
        moves.interest_withdraw(candidacy=candidacy)
    except ValidationError as error:
        text = " ".join(error.messages)
        return _answer(request, text, to=reverse("portal:me"), section="careers", level=messages.ERROR)
    text = f"You withdrew your interest in “{candidacy.opportunity.title}”."
    return _answer(request, text, to=reverse("portal:me"), section="careers")


# --- /team/ ------------------------------------------------------------------------------------


@login_required
def team(request):
    viewer = _linked_employee(request)
    sort = request.GET.get("sort") if request.GET.get("sort") in pages.TEAM_SORTS else "name"
    line = visible_employees(request.user).filter(pk__in=Employee.objects.below(viewer).values("pk"))
    context = {
        "manager": viewer,
        "reports": pages.team_overview(manager=viewer, visible=visible_employees(request.user), sort=sort),
        "sort": sort,
        "sorts": pages.TEAM_SORTS,
        "contests": feedback_selectors.contests_waiting(visible=line, limit=10),
        "team_themes": pages.team_themes(manager=viewer),
        "reviews_waiting": pages.reviews_waiting(manager=viewer),
        "succession_waiting": pages.succession_waiting(owner=viewer),
    }
    return render(request, "portal/team.html", context)


@login_required
def detail(request, pk):
    employee = employee_for_viewer(request, pk)
    return render(request, "portal/detail.html", _profile(request, employee))


def _render_briefing(request, employee, *, status=200, **forms):
    """The briefing; ``forms`` are bound forms with errors to show in place of the empty ones."""
    flag = request.GET.get("flag", "")  # "flag it" under a pick preselects it in the flag form
    can_log = manages(request.user, employee)

    def build():
        context = briefing_context(employee=employee, as_hr=is_hr(request.user))
        flag_form = FlagForm(
            gaps=context.get("gaps", []), recommendations=context["open_recommendations"], initial={"target": flag}
        )
        return context | {
            **_learning_cards(request, employee, for_manager=True),
            "can_log": can_log,
            "checkin_form": CheckInForm(),
            "note_form": ManagerNoteForm(),
            "flag_form": flag_form,
            **forms,
        }

    return pagecache.page(
        request,
        name="briefing",
        employee=employee,
        template="portal/briefing.html",
        build=build,
        vary=[can_log],
        store=not flag,
        status=status,
    )


@login_required
def briefing(request, pk):
    return _render_briefing(request, _report_for_viewer(request, pk))


@login_required
@require_POST
def checkin_log(request, pk):
    employee = _manager_of(request, pk)
    form = CheckInForm(request.POST)
    if form.is_valid():
        try:
            agenda, gaps_snapshot = checkin_inputs(employee=employee)
            feedback_services.checkin_log(
                employee=employee,
                manager=employee_of(request.user),
                agenda=agenda,
                gaps_snapshot=gaps_snapshot,
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                f"Check-in with {employee.first_name} logged. {employee.first_name} is asked one question about it.",
            )
            return redirect("portal:briefing", pk=employee.pk)
    return _render_briefing(request, employee, status=400, checkin_form=form)


@login_required
@require_POST
def flag(request, pk):
    employee = _report_for_viewer(request, pk)
    gaps, recommendations = pages.flag_targets(employee=employee, as_hr=is_hr(request.user))
    form = FlagForm(request.POST, gaps=gaps, recommendations=recommendations)
    if form.is_valid():
        try:
            feedback_services.target_flag(
                employee=employee,
                target=form.cleaned_data["target"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            text = "Flag sent to HR's review queue. It also teaches the next training run."
            return _answer(request, text, to=reverse("portal:briefing", args=[employee.pk]), section="flag")
    return _render_briefing(request, employee, status=400, flag_form=form)


@login_required
@require_POST
def manager_note(request, pk):
    employee = _manager_of(request, pk)
    form = ManagerNoteForm(request.POST)
    if form.is_valid():
        feedback_services.signal_record(
            employee=employee, kind=Signal.Kind.MANAGER_NOTE, text=form.cleaned_data["text"], author=request.user
        )
        return _answer(request, "Note saved.", to=reverse("portal:briefing", args=[employee.pk]), section="signals")
    return _render_briefing(request, employee, status=400, note_form=form)


# --- contested skill levels ---------------------------------------------------------------------


@login_required
def contests(request):
    visible = visible_employees(request.user).exclude(pk=getattr(employee_of(request.user), "pk", None))
    context = {"contests": feedback_selectors.contests_waiting(visible=visible), "as_hr": is_hr(request.user)}
    return render(request, "portal/contests.html", context)


@login_required
def contest_decide(request, pk):
    contest = _contest_for_viewer(request, pk)
    context = pages.contest_decision_context(contest=contest)
    form = ContestDecisionForm(request.POST or None, anchors=context["anchors"], on_record=contest.level_on_record)
    if form.is_valid():
        try:
            feedback_services.contest_decide(contest=contest, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Decision recorded as evidence for {contest.employee.full_name}.")
            return redirect("portal:contests")
    return render(
        request, "portal/contest_decide.html", {**context, "form": form}, status=400 if form.is_bound else 200
    )


# --- capability across the organisation -------------------------------------------------------

EXPORTS = {
    "csv": (spreadsheets.CSV, "text/csv; charset=utf-8"),
    "xlsx": (spreadsheets.XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _export(request, *, name: str, headers: list[str], rows: list[list]):
    """The page's table as CSV or XLSX (``?format=``), through the one safe spreadsheet writer;
    None when no export was asked for."""
    chosen = EXPORTS.get(request.GET.get("format", ""))
    if chosen is None:
        return None
    writer, content_type = chosen
    response = HttpResponse(writer().export_data(tablib.Dataset(*rows, headers=headers)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{request.GET["format"]}"'
    return response


def _capability_page(request, scope, *, units=()):
    snapshot = capability_selectors.latest_snapshot()
    shown = capability_selectors.heatmap(scope, snapshot=snapshot)
    exported = _export(
        request,
        name="capability",
        headers=capability_selectors.HEATMAP_HEADERS,
        rows=capability_selectors.heatmap_rows(shown),
    )
    context = {
        **shown,
        "units": units,
        "min_group": capability.MIN_GROUP,
        "max_columns": capability_selectors.MAX_COLUMNS,
    }
    return exported or render(request, "portal/capability.html", context)


@login_required
def team_capability(request):
    """A manager's line as a skills x teams heatmap; ``?manager=`` a manager within it."""
    if "manager" in request.GET:
        root = employee_for_viewer(request, _pk(request.GET["manager"]))
    else:
        root = _linked_employee(request)
    if not root.reports.exists():
        raise PermissionDenied("The capability heatmap is for managers: it shows the people in their line.")
    return _capability_page(request, capability_selectors.Scope("manager", f"{root.full_name}'s line", manager=root))


def _pk(value: str) -> int:
    if not value.isdigit():
        raise Http404("No such page.")
    return int(value)


@hr_required("Capability across the organisation is for the HR team; managers see their own line from My team.")
def hr_capability(request):
    """The company (columns: business units), one business unit (``?unit=``, columns: teams) or
    any manager's line (``?manager=``)."""
    Scope = capability_selectors.Scope
    if request.GET.get("unit"):
        unit = get_object_or_404(BusinessUnit, pk=_pk(request.GET["unit"]))
        scope = Scope("unit", unit.name, unit=unit)
    elif request.GET.get("manager"):
        root = employee_for_viewer(request, _pk(request.GET["manager"]))
        scope = Scope("manager", f"{root.full_name}'s line", manager=root)
    else:
        scope = Scope("company", "The whole organisation")
    return _capability_page(request, scope, units=list(BusinessUnit.objects.order_by("name")))


@hr_required("Supply and demand per business unit is for the HR team.")
def hr_supply(request):
    snapshot = capability_selectors.latest_snapshot()
    rows = capability_selectors.supply_demand(snapshot=snapshot)
    exported = _export(
        request,
        name="supply-and-demand",
        headers=capability_selectors.SUPPLY_HEADERS,
        rows=capability_selectors.supply_rows(rows),
    )
    context = {
        "snapshot": snapshot,
        "rows": rows,
        "rates": capability_selectors.rates_shown(snapshot),
        "pace": f"{capability.PACE_HOURS_PER_WEEK:g} hours a week of the item's expected effort",
    }
    return exported or render(request, "portal/supply.html", context)
