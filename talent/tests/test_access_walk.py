"""Every URL of the project, requested as every role, against people they may and may not see.

1. ``walk()`` enumerates ``get_resolver().url_patterns`` recursively (admin and allauth included).
2. ``ACCESS`` maps each URL name to one or more cases: the method, the subject that fills the
   URL's kwargs (an employee in or out of the viewer's line, a review item, a delivery...) and
   the status each role must get. ``EXCLUDED_NAMESPACES`` lists what is left to other tests, with
   the reason.
3. ``test_every_url_pattern_is_in_the_table`` fails when a pattern is added without an entry (or
   an entry outlives its pattern), so no page ships without saying who may open it.

An expectation is a status code, or a string: a 302 to a URL starting with that string (``LOGIN``
is the sign-in page). Roles come from the ``org`` fixture: ``employee`` and ``peer`` report to
``manager``, who reports to ``director``; ``outsider`` reports to another of the director's
managers; ``hr`` is in the HR group with no employee record of their own.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from feedback.models import (
    CheckIn,
    DeepReview,
    FeedbackAsk,
    FeedbackRequest,
    ReviewCycle,
    SkillContest,
    SkillMention,
    Text,
    TextSource,
    Theme,
)
from feedback.tests.fixtures import recommendation_for
from profiles.access import visible_employees
from profiles.models import SyncRun
from recommendations.models import (
    Candidacy,
    CriticalRole,
    Opportunity,
    Recommendation,
    ReviewItem,
    SuccessionCandidate,
)
from taxonomy.tests.factories import RoleFactory, SkillFactory

pytestmark = pytest.mark.django_db

ROLES = ("employee", "manager", "director", "peer", "hr", "anonymous")
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
UNKNOWN_PK = 999_999

EXCLUDED_NAMESPACES = {
    "admin": (
        "Django admin: which HR user may change which model is covered by the admin tests "
        "(taxonomy/ and profiles/tests/test_admin.py); here test_the_admin_refuses_everyone_but_staff "
        "walks every admin pattern as each non-staff role"
    ),
}


def walk(patterns=None, prefix="", namespace=""):
    """(key, route) for every pattern; the key is the namespaced URL name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else pattern.namespace or namespace
            )
            yield from walk(pattern.url_patterns, route, inner or "")
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {route}>"
            yield f"{namespace}:{name}" if namespace else name, route


def per_role(*, employee, manager, director, peer, hr, anonymous=LOGIN) -> dict:
    return {
        "employee": employee,
        "manager": manager,
        "director": director,
        "peer": peer,
        "hr": hr,
        "anonymous": anonymous,
    }


def everyone(expected, *, anonymous=None) -> dict:
    return {**dict.fromkeys(ROLES, expected), "anonymous": expected if anonymous is None else anonymous}


HR_ONLY = per_role(employee=403, manager=403, director=403, peer=403, hr=200)
LINKED_EMPLOYEES = per_role(employee=200, manager=200, director=200, peer=200, hr=403)  # hr has no employee record
SIGNED_IN_API = everyone(200, anonymous=401)


@dataclass(frozen=True)
class Case:
    expect: dict
    subject: str | None = None  # a key of SUBJECTS: what fills the URL's kwargs
    method: str = "get"
    body: Callable | None = None  # (world, role) -> JSON body for an API write; form data otherwise
    form: dict = field(default_factory=dict)
    check: Callable | None = None  # (response, world, role) -> error text or None, for 200s
    what: str = ""  # tells apart cases of one URL that differ only in their body

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.method.upper(), self.subject, self.what) if part)


@dataclass
class World:
    org: object
    review_item: ReviewItem
    sync_run: SyncRun
    skill: object
    checkin: CheckIn  # the manager's check-in with the employee
    contest: SkillContest  # the employee contests a level
    outsider_contest: SkillContest
    recommendation: Recommendation  # delivered to the employee
    mention: SkillMention | None = None  # in a text about the employee
    theme: Theme | None = None  # one of the employee's recurring themes
    feedback_request: FeedbackRequest | None = None  # about the employee
    ask: FeedbackAsk | None = None  # the peer, asked for feedback on the employee
    deep_review: DeepReview | None = None  # the employee's quarterly review, held by the manager
    opportunity: Opportunity | None = None  # posted by the manager
    candidacy: Candidacy | None = None  # the employee's interest in it
    succession_item: ReviewItem | None = None  # the peer proposed for a critical role the manager owns

    def user(self, role):
        return None if role == "anonymous" else self.org.hr_user if role == "hr" else getattr(self.org, role).user


@pytest.fixture
def world(org):
    skill = SkillFactory(name="SQL")

    def contest(person):
        return SkillContest.objects.create(
            employee=person, skill=skill, claimed_level=3, reason="I lead the SQL guild."
        )

    made = World(
        org=org,
        review_item=ReviewItem.objects.create(
            kind=ReviewItem.Kind.GAP_ANALYSIS,
            employee=org.employee,
            reason=ReviewItem.Reason.LOW_CONFIDENCE,
            confidence=0.2,
        ),
        sync_run=SyncRun.objects.create(
            source=SyncRun.Source.FILE, kind="people", name="people.csv", status="succeeded"
        ),
        skill=skill,
        checkin=CheckIn.objects.create(
            employee=org.employee, manager=org.manager, held_on=timezone.localdate(), notes="Talked about SQL."
        ),
        contest=contest(org.employee),
        outsider_contest=contest(org.outsider),
        recommendation=recommendation_for(org.employee, skill),
    )
    now = timezone.now()
    text = Text.objects.create(
        employee=org.employee, source=TextSource.API, source_id=1, body="Great SQL.", written_at=now
    )
    made.mention = SkillMention.objects.create(text=text, employee=org.employee, skill=skill, score=0.8)
    made.theme = Theme.objects.create(
        employee=org.employee,
        label="sql",
        texts=2,
        authors=2,
        trend="steady",
        window_start=now.date(),
        window_end=now.date(),
        computed_at=now,
    )
    made.feedback_request = FeedbackRequest.objects.create(subject=org.employee, due_on=now.date())
    made.feedback_request.skills.add(skill)
    made.ask = FeedbackAsk.objects.create(request=made.feedback_request, respondent=org.peer)
    cycle = ReviewCycle.objects.create(
        name="2026 Q4",
        period_start=now.date(),
        period_end=now.date(),
        self_due_on=now.date(),
        manager_due_on=now.date(),
        questions="What went well?",
    )
    made.deep_review = DeepReview.objects.create(
        cycle=cycle, employee=org.employee, manager=org.manager, status=DeepReview.Status.SELF_DONE
    )
    made.opportunity = Opportunity.objects.create(
        title="Data guild project", kind=Opportunity.Kind.PROJECT, posted_by=org.manager
    )
    made.candidacy = Candidacy.objects.create(
        opportunity=made.opportunity, employee=org.employee, origin=Candidacy.Origin.INTEREST
    )
    critical = CriticalRole.objects.create(role=RoleFactory(title="Head of Data"), owner=org.manager)
    proposal = SuccessionCandidate.objects.create(
        critical_role=critical, employee=org.outsider, proposed_at=now, horizon="year", readiness=0.7, confidence=0.6
    )
    made.succession_item = ReviewItem.objects.create(
        kind=ReviewItem.Kind.SUCCESSION,
        employee=org.outsider,
        succession=proposal,
        reason=ReviewItem.Reason.SUCCESSION,
        confidence=0.6,
    )
    return made


SUBJECTS: dict[str, Callable[[World], dict]] = {
    "employee": lambda w: {"pk": w.org.employee.pk},  # the manager's report, the director's indirect report
    "outsider": lambda w: {"pk": w.org.outsider.pk},  # in another manager's line under the director
    "own manager": lambda w: {"pk": w.org.manager.pk},  # upwards from the employee
    "unknown": lambda w: {"pk": UNKNOWN_PK},
    "review item": lambda w: {"pk": w.review_item.pk},
    "succession item": lambda w: {"pk": w.succession_item.pk},  # for a critical role the manager owns
    "skill": lambda w: {"skill_pk": w.skill.pk},
    "unknown skill": lambda w: {"skill_pk": UNKNOWN_PK},
    "check-in": lambda w: {"pk": w.checkin.pk},  # the employee's, held by the manager
    "contest": lambda w: {"pk": w.contest.pk},  # opened by the employee
    "outsider's contest": lambda w: {"pk": w.outsider_contest.pk},
    "recommendation": lambda w: {"pk": w.recommendation.pk},  # delivered to the employee
    "mention": lambda w: {"pk": w.mention.pk},  # in a text about the employee
    "theme": lambda w: {"pk": w.theme.pk},  # the employee's
    "feedback request": lambda w: {"pk": w.feedback_request.pk},  # about the employee
    "ask": lambda w: {"pk": w.ask.pk},  # the peer's, about the employee
    "deep review": lambda w: {"pk": w.deep_review.pk},  # the employee's, held by the manager
    "sync run": lambda w: {"pk": w.sync_run.pk},
    "opportunity": lambda w: {"pk": w.opportunity.pk},  # posted by the manager
    "candidate": lambda w: {"pk": w.opportunity.pk, "employee_pk": w.org.employee.pk},
    "unknown candidate": lambda w: {"pk": w.opportunity.pk, "employee_pk": UNKNOWN_PK},
    "candidacy": lambda w: {"pk": w.candidacy.pk},  # the employee's interest
    "people template": lambda w: {"kind": "people", "file_format": "xlsx"},
    "unknown template": lambda w: {"kind": "salaries", "file_format": "csv"},
    "scim schema": lambda w: {"schema_id": "urn:ietf:params:scim:schemas:core:2.0:User"},
    "scim type": lambda w: {"type_id": "User"},
    "scim user": lambda w: {"pk": str(w.org.employee.pk)},
    "scim path": lambda w: {"path": "Groups"},
    "email key": lambda w: {"key": "not-a-real-key"},
    "reset key": lambda w: {"uidb36": "1", "key": "not-a-real-key"},
    "sso provider": lambda w: {"provider_id": "company"},
}

ROLE_NUMBER = {role: number for number, role in enumerate(ROLES, start=1)}


def review_of(subject):
    def body(world, role):
        # A period per role, so each accepted write creates a review rather than resending one.
        return {
            "employee": getattr(world.org, subject).pk,
            "period": f"2026-{role}",
            "score": "4.0",
            "submitted_at": "2026-06-30T12:00:00Z",
        }

    return body


def aspiration_of(subject):
    def body(world, role):
        return {
            "employee": getattr(world.org, subject).pk,
            "interests": "data engineering",
            "stated_at": f"2026-06-{ROLE_NUMBER[role]:02d}T12:00:00Z",
        }

    return body


def evidence_of(subject, source):
    def body(world, role):
        return {
            "employee": getattr(world.org, subject).pk,
            "skill": world.skill.pk,
            "level": 2,
            "source": source,
            "observed_at": f"2026-06-{ROLE_NUMBER[role]:02d}T12:00:00Z",
        }

    return body


def lists_only_visible_employees(response, world, role):
    listed = {row["id"] for row in response.json()["results"]}
    visible = set(visible_employees(world.user(role)).values_list("pk", flat=True))
    return None if listed == visible else f"listed {sorted(listed)}, may see {sorted(visible)}"


def subject_detail(*, not_visible):
    """The same page opened for each subject: the rule from profiles.access, refused with ``not_visible``."""
    no = not_visible
    return [
        Case(per_role(employee=200, manager=200, director=200, peer=no, hr=200), "employee"),
        Case(per_role(employee=no, manager=no, director=200, peer=no, hr=200), "outsider"),
        Case(per_role(employee=no, manager=200, director=200, peer=no, hr=200), "own manager"),
        Case(per_role(employee=404, manager=404, director=404, peer=404, hr=404), "unknown"),
    ]


def about_a_report(*, ok, hr, method="get", refused=403):
    """Pages and forms about a report: for their managers at any level (and HR when ``hr`` is ok),
    never for the person themselves, a peer, or anyone above the viewer. Forms are posted empty, so
    an allowed write is answered with the form's errors (400) and changes nothing."""
    no = refused
    return [
        Case(per_role(employee=no, manager=ok, director=ok, peer=no, hr=hr), "employee", method=method),
        Case(per_role(employee=no, manager=no, director=ok, peer=no, hr=hr), "outsider", method=method),
        Case(per_role(employee=no, manager=no, director=ok, peer=no, hr=hr), "own manager", method=method),
        Case(everyone(404, anonymous=LOGIN), "unknown", method=method),
    ]


def api(expect):
    return {role: 401 if role == "anonymous" else status for role, status in expect.items()}


TEXTS = "/feedback/people/"  # back to the person's texts page, with the answer
INVALID = {"reason": ""}  # binds a form (an empty POST would not) and fails its validation
SCIM_REFUSES_SESSIONS = everyone(401)  # SCIM takes only its own bearer credential, never a session

ACCESS: dict[str, list[Case]] = {
    # Where each role lands.
    "home": [Case(per_role(employee="/me/", manager="/team/", director="/team/", peer="/me/", hr="/hr/"))],
    # HR pages.
    "hr_home": [Case(HR_ONLY)],
    "hr_data:upload": [Case(HR_ONLY), Case(HR_ONLY, method="post")],  # an empty upload re-shows the form to HR
    "hr_data:upload_template": [
        Case(HR_ONLY, "people template"),
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr=404), "unknown template"),
    ],
    "hr_data:syncs": [Case(HR_ONLY)],
    "hr_data:sync": [
        Case(HR_ONLY, "sync run"),
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr=404), "unknown"),
    ],
    # The review queue: HR decides everything; a critical role's owner (here the manager) sees and
    # decides only the succession proposals for their roles, even of someone outside their line
    # (the outsider), and not the director above them.
    "recommendations:review_queue": [
        Case(
            per_role(employee=403, manager=200, director=403, peer=403, hr=200),
            check=lambda r, w, role: (
                "the owner's queue shows another kind of item"
                if role == "manager"
                and ("Gap analysis" in r.content.decode() or "Head of Data" not in r.content.decode())
                else None
            ),
        )
    ],
    "recommendations:review_item": [
        Case(HR_ONLY, "review item"),
        Case(per_role(employee=403, manager=200, director=403, peer=403, hr=200), "succession item"),
        Case(per_role(employee=403, manager=404, director=403, peer=403, hr=404), "unknown"),
    ],
    # POST-only; an empty decision is refused by the service and sends back to the item (/hr/review/<pk>/).
    "recommendations:review_decide": [
        Case(
            per_role(employee=403, manager=403, director=403, peer=403, hr="/hr/review/"), "review item", method="post"
        ),
        Case(
            per_role(employee=403, manager="/hr/review/", director=403, peer=403, hr="/hr/review/"),
            "succession item",
            method="post",
        ),
        # The access check comes first: only a reviewer learns that the page takes POST alone.
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr=405), "review item"),
        Case(per_role(employee=403, manager=405, director=403, peer=403, hr=405), "succession item"),
    ],
    # One person's data (GDPR export, profiles.privacy): HR only, through the access rule.
    "hr_data:person_data": [
        Case(HR_ONLY, "employee"),
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr=404), "unknown"),
    ],
    "quality:flags": [Case(HR_ONLY)],
    "metrics:outcomes": [Case(HR_ONLY)],
    # Succession (HR): the bench's names are decided in the review queue.
    "succession:home": [Case(HR_ONLY)],
    "succession:mark": [  # posted without a role: HR is told to choose one
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr="/hr/succession/"), method="post")
    ],
    "succession:propose": [
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr="/hr/succession/"), method="post")
    ],
    # Opportunities: each viewer lists those they own (HR all); an opportunity's candidates are
    # for its owner (the manager who posted it) and HR, not for managers above the owner.
    "opportunities:list": [Case(everyone(200, anonymous=LOGIN))],
    "opportunities:candidates": [
        Case(per_role(employee=403, manager=200, director=403, peer=403, hr=200), "opportunity"),
        Case(everyone(404, anonymous=LOGIN), "unknown"),
    ],
    # Posted without an action: the owner is sent back to the candidates with a message.
    "opportunities:decide": [
        Case(
            per_role(employee=403, manager="/opportunities/", director=403, peer=403, hr="/opportunities/"),
            "candidate",
            method="post",
        ),
        Case(per_role(employee=403, manager=404, director=403, peer=403, hr=404), "unknown candidate", method="post"),
        Case(everyone(405, anonymous=LOGIN), "candidate"),  # POST only
    ],
    # The portal.
    "portal:me": [Case(LINKED_EMPLOYEES)],
    # Interest in an opportunity is the signed-in person's own: said for oneself (one not matched
    # to them is refused with a message on /me/), withdrawn only by its owner.
    "portal:interest_express": [
        Case(
            per_role(employee="/me/", manager="/me/", director="/me/", peer="/me/", hr=403),
            "opportunity",
            method="post",
        ),
        Case(per_role(employee=404, manager=404, director=404, peer=404, hr=403), "unknown", method="post"),
    ],
    "portal:interest_withdraw": [
        Case(per_role(employee="/me/", manager=404, director=404, peer=404, hr=403), "candidacy", method="post"),
        Case(everyone(405, anonymous=LOGIN), "candidacy"),  # POST only
    ],
    "portal:team": [Case(LINKED_EMPLOYEES)],
    # Capability: a manager's own line (people with no reports are refused; HR uses /hr/capability/).
    # Which scopes and which pooled cells each role sees: portal/tests/test_capability_pages.py.
    "portal:team_capability": [Case(per_role(employee=403, manager=200, director=200, peer=403, hr=403))],
    "portal:hr_capability": [Case(HR_ONLY)],
    "portal:hr_supply": [Case(HR_ONLY)],
    "portal:detail": subject_detail(not_visible=403),
    # /me/ forms act on the signed-in person only (no subject in the URL); posted empty, they
    # answer with the form's errors and change nothing. HR's account here has no employee record.
    "portal:aspiration": [Case(per_role(employee=400, manager=400, director=400, peer=400, hr=403), method="post")],
    "portal:reflection": [Case(per_role(employee=400, manager=400, director=400, peer=400, hr=403), method="post")],
    "portal:skill_confirm": [
        Case(per_role(employee="/me/", manager="/me/", director="/me/", peer="/me/", hr=403), "skill", method="post"),
        Case(per_role(employee=404, manager=404, director=404, peer=404, hr=403), "unknown skill", method="post"),
    ],
    "portal:skill_contest": [
        Case(LINKED_EMPLOYEES, "skill"),
        Case(per_role(employee=400, manager=400, director=400, peer=400, hr=403), "skill", method="post", form=INVALID),
        Case(per_role(employee=404, manager=404, director=404, peer=404, hr=403), "unknown skill"),
    ],
    # Only the employee the check-in was with answers it; for anyone else it does not exist.
    "portal:checkin_answer": [
        Case(per_role(employee=400, manager=404, director=404, peer=404, hr=403), "check-in", method="post"),
    ],
    # Only the employee a recommendation was made for acts on it; for anyone else it does not exist.
    # Posted without an action, it is refused with a message on /me/ and nothing changes.
    "portal:recommendation_act": [
        Case(per_role(employee="/me/", manager=404, director=404, peer=404, hr=403), "recommendation", method="post"),
        Case(everyone(405, anonymous=LOGIN), "recommendation"),  # POST only
        Case(per_role(employee=404, manager=404, director=404, peer=404, hr=403), "unknown", method="post"),
    ],
    # Briefings and what is logged from them: about a report, never oneself.
    "portal:briefing": about_a_report(ok=200, hr=200),
    "portal:flag": about_a_report(ok=400, hr=400, method="post"),  # managers in the line and HR flag
    "portal:checkin_log": about_a_report(ok=400, hr=403, method="post"),  # only a manager in the line
    "portal:manager_note": about_a_report(ok=400, hr=403, method="post"),
    # Contested levels: each viewer's list holds only the people they may see (empty for most).
    "portal:contests": [Case(everyone(200, anonymous=LOGIN))],
    "portal:contest_decide": [
        Case(per_role(employee=403, manager=200, director=200, peer=403, hr=200), "contest"),
        Case(
            per_role(employee=403, manager=400, director=400, peer=403, hr=400), "contest", method="post", form=INVALID
        ),
        Case(per_role(employee=403, manager=403, director=200, peer=403, hr=200), "outsider's contest"),
        Case(everyone(404, anonymous=LOGIN), "unknown"),
    ],
    # What the free text says: a person's texts, mentions and themes follow the rule for that
    # person; anyone with an employee record gives feedback to any colleague, found by name.
    "feedback:texts": subject_detail(not_visible=403),
    "feedback:mention_evidence": [
        Case(per_role(employee=TEXTS, manager=TEXTS, director=TEXTS, peer=403, hr=TEXTS), "mention", method="post"),
        Case(everyone(405, anonymous=LOGIN), "mention"),  # POST only
        Case(everyone(404, anonymous=LOGIN), "unknown", method="post"),
    ],
    "feedback:theme_hide": [
        Case(
            per_role(employee=403, manager=403, director=403, peer=403, hr=TEXTS), "theme", method="post", form=INVALID
        ),
        Case(per_role(employee=403, manager=403, director=403, peer=403, hr=405), "theme"),
    ],
    "feedback:give": [
        Case(LINKED_EMPLOYEES),
        Case(per_role(employee=400, manager=400, director=400, peer=400, hr=403), method="post", form=INVALID),
    ],
    "feedback:people": [Case(LINKED_EMPLOYEES)],
    # Light 360: asked about someone you may see; answered only by the colleague asked.
    "feedback:requests": [Case(LINKED_EMPLOYEES)],
    "feedback:request_new": subject_detail(not_visible=403),
    "feedback:request_detail": [
        Case(per_role(employee=200, manager=200, director=200, peer=403, hr=200), "feedback request"),
        Case(everyone(404, anonymous=LOGIN), "unknown"),
    ],
    "feedback:ask_answer": [
        Case(per_role(employee=404, manager=404, director=404, peer=200, hr=403), "ask"),
        Case(per_role(employee=404, manager=404, director=404, peer=400, hr=403), "ask", method="post", form=INVALID),
    ],
    # Quarterly deep reviews: seen by who may see the person; the self-assessment is the
    # employee's, the completion a manager's in the line (posted empty: the form's errors); HR reads.
    "feedback:reviews": [Case(everyone(200, anonymous=LOGIN))],  # each sees the reviews they may see
    "feedback:review": [
        Case(per_role(employee=200, manager=200, director=200, peer=403, hr=200), "deep review"),
        Case(
            per_role(employee=400, manager=400, director=400, peer=403, hr=403),
            "deep review",
            method="post",
            form=INVALID,
        ),
        Case(everyone(404, anonymous=LOGIN), "unknown"),
    ],
    "feedback:cadence": [Case(HR_ONLY)],
    # The REST API with a session: reading someone you may not see is 404, writing for them 400.
    "api:employees": [Case(SIGNED_IN_API, check=lists_only_visible_employees)],
    "api:employee": [Case(api(case.expect), case.subject) for case in subject_detail(not_visible=404)],
    "api:reviews": [
        Case(SIGNED_IN_API),
        Case(
            api(per_role(employee=403, manager=201, director=201, peer=400, hr=201)),
            method="post",
            body=review_of("employee"),
            what="for employee",
        ),
        Case(
            api(per_role(employee=400, manager=400, director=201, peer=400, hr=201)),
            method="post",
            body=review_of("outsider"),
            what="for outsider",
        ),
    ],
    "api:aspirations": [
        Case(SIGNED_IN_API),
        Case(
            api(per_role(employee=201, manager=201, director=201, peer=400, hr=201)),
            method="post",
            body=aspiration_of("employee"),
            what="for employee",
        ),
        Case(
            api(per_role(employee=400, manager=400, director=201, peer=400, hr=201)),
            method="post",
            body=aspiration_of("outsider"),
            what="for outsider",
        ),
    ],
    "api:evidence": [
        Case(SIGNED_IN_API),
        Case(
            api(per_role(employee=403, manager=201, director=201, peer=400, hr=201)),
            method="post",
            body=evidence_of("employee", "manager"),
            what="source manager",
        ),
        Case(
            api(per_role(employee=201, manager=403, director=403, peer=400, hr=201)),
            method="post",
            body=evidence_of("employee", "self"),
            what="source self",
        ),
    ],
    # The schema and its docs page describe the API, not anyone's data: drf-spectacular serves
    # them to anyone (SERVE_PERMISSIONS defaults to AllowAny).
    "api:schema": [Case(everyone(200))],
    "api:docs": [Case(everyone(200))],
    # SCIM and xAPI: their own credentials only; a signed-in session (even HR's) is 401.
    "scim:service_provider_config": [Case(SCIM_REFUSES_SESSIONS)],
    "scim:schemas": [Case(SCIM_REFUSES_SESSIONS)],
    "scim:schema": [Case(SCIM_REFUSES_SESSIONS, "scim schema")],
    "scim:resource_types": [Case(SCIM_REFUSES_SESSIONS)],
    "scim:resource_type": [Case(SCIM_REFUSES_SESSIONS, "scim type")],
    "scim:users": [Case(SCIM_REFUSES_SESSIONS), Case(SCIM_REFUSES_SESSIONS, method="post")],
    "scim:users_search": [Case(SCIM_REFUSES_SESSIONS, method="post")],
    "scim:user": [Case(SCIM_REFUSES_SESSIONS, "scim user"), Case(SCIM_REFUSES_SESSIONS, "scim user", method="delete")],
    "scim:search": [Case(SCIM_REFUSES_SESSIONS, method="post")],
    "scim:not_found": [Case(SCIM_REFUSES_SESSIONS, "scim path")],
    "xapi:statements": [Case(everyone(401)), Case(everyone(401), method="post")],
    "xapi:about": [Case(everyone(200))],  # the xAPI spec has LRSs answer /about without authentication
    # allauth: signing in and recovering a password are public; one's own account needs a sign-in.
    "account_login": [Case(everyone("/", anonymous=200))],
    "account_logout": [Case(everyone(200, anonymous="/"))],
    "account_signup": [Case(everyone("/", anonymous=200))],  # answers "sign-up is closed" to visitors
    "account_inactive": [Case(everyone(200))],
    "account_reauthenticate": [Case(everyone(200, anonymous=LOGIN))],
    "account_email": [Case(everyone(200, anonymous=LOGIN))],
    "account_email_verification_sent": [Case(everyone(200))],
    "account_change_password": [Case(everyone(200, anonymous=LOGIN))],
    "account_set_password": [Case(everyone("/accounts/password/change/", anonymous=LOGIN))],
    "account_reset_password": [Case(everyone(200))],
    "account_reset_password_done": [Case(everyone(200))],
    "account_reset_password_from_key": [Case(everyone(200), "reset key")],
    "account_reset_password_from_key_done": [Case(everyone(200))],
    "account_confirm_email": [Case(everyone(200), "email key")],
    "account_confirm_login_code": [Case(everyone("/", anonymous=LOGIN))],  # no code pending: back to the start
    # The second factor (allauth MFA, talent/tests/test_mfa.py): each person's own, once signed in.
    # Setting one up or making new recovery codes asks for the password again (force_login here
    # records no password sign-in); pages about an authenticator one does not have are 404.
    "mfa_index": [Case(everyone(200, anonymous=LOGIN))],
    "mfa_activate_totp": [Case(everyone("/accounts/reauthenticate/", anonymous=LOGIN))],
    "mfa_deactivate_totp": [Case(everyone(404, anonymous=LOGIN))],
    "mfa_authenticate": [Case(everyone("/", anonymous=LOGIN))],  # no sign-in pending: back to the start
    "mfa_reauthenticate": [Case(everyone("/accounts/reauthenticate/", anonymous=LOGIN))],
    "mfa_view_recovery_codes": [Case(everyone(404, anonymous=LOGIN))],
    "mfa_generate_recovery_codes": [Case(everyone("/accounts/reauthenticate/", anonymous=LOGIN))],
    "mfa_download_recovery_codes": [Case(everyone(404, anonymous=LOGIN))],
    # Single sign-on (talent/tests/test_sso.py walks it against a real provider): public, as
    # signing in is; 404 while OIDC_SERVER_URL is unset, as here.
    "openid_connect_login": [Case(everyone(404), "sso provider")],
    "openid_connect_callback": [Case(everyone(404), "sso provider")],
    "socialaccount_login_cancelled": [Case(everyone(200))],
    "socialaccount_login_error": [Case(everyone(401))],
    "socialaccount_signup": [Case(everyone(LOGIN))],  # no sign-up: nothing pending, back to sign-in
}

CASES = [pytest.param(name, case, id=f"{name} {case.label}") for name, cases in ACCESS.items() for case in cases]


def test_every_url_pattern_is_in_the_table():
    found = {key for key, _ in walk() if key.split(":")[0] not in EXCLUDED_NAMESPACES}
    unnamed = sorted(key for key in found if "<unnamed" in key)
    assert not unnamed, f"Name these URL patterns so the access table can list them: {unnamed}"
    missing, stale = found - set(ACCESS), set(ACCESS) - found
    assert not missing, f"Add to ACCESS in {__name__} who may open: {sorted(missing)}"
    assert not stale, f"These ACCESS entries name no URL pattern any more: {sorted(stale)}"


def test_every_role_has_an_expectation_in_every_case():
    incomplete = [
        f"{name} {case.label}" for name, cases in ACCESS.items() for case in cases if set(case.expect) != set(ROLES)
    ]
    assert not incomplete


def _request(client, case, url, world, role):
    send = getattr(client, case.method)
    if case.body is not None:
        return send(url, data=json.dumps(case.body(world, role)), content_type="application/json")
    if case.method == "get":
        return send(url)
    return send(url, data=case.form)


def _outcome(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} -> {response['Location']}"
    return str(response.status_code)


def _matches(response, expected) -> bool:
    if isinstance(expected, str):
        return response.status_code == 302 and response["Location"].startswith(expected)
    return response.status_code == expected


@pytest.mark.parametrize(("name", "case"), CASES)
def test_each_role_gets_what_the_rule_says(client, world, name, case):
    url = reverse(name, kwargs=SUBJECTS[case.subject](world) if case.subject else None)
    wrong = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(world.user(role))
        response = _request(client, case, url, world, role)
        if not _matches(response, case.expect[role]):
            wrong.append(f"  {role}: expected {case.expect[role]}, got {_outcome(response)}")
        elif case.check and response.status_code == 200 and (problem := case.check(response, world, role)):
            wrong.append(f"  {role}: {problem}")
    assert not wrong, f"{case.method.upper()} {url}\n" + "\n".join(wrong)


# The admin: every pattern, with placeholder arguments, as each role that is not staff.
ADMIN_SAMPLE_ARGUMENTS = {
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
    "app_label": "profiles",
    "url": "no-such-page/",
}
ADMIN_OPEN = {
    # The admin signs in on allauth's page (talent/urls.py); someone signed in who is not staff is refused.
    "admin:login": {"anonymous": LOGIN, **dict.fromkeys(("employee", "manager", "director", "peer"), 403)},
    "admin:logout": "/admin/",  # sign-out sends non-staff home
}


def _concrete(route: str) -> str:
    """``admin/profiles/employee/<path:object_id>/`` -> ``/admin/profiles/employee/1/`` (regex groups too)."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_SAMPLE_ARGUMENTS[m[1]], route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: ADMIN_SAMPLE_ARGUMENTS[m[1]], path)
    return "/" + path.replace("^", "").replace("$", "")


def test_the_admin_refuses_everyone_but_staff(client, org):
    admin_routes = [(key, route) for key, route in walk() if key.startswith("admin:")]
    assert len(admin_routes) > 50
    non_staff = {
        "anonymous": None,
        **{role: getattr(org, role).user for role in ("employee", "manager", "director", "peer")},
    }
    wrong = []
    for role, user in non_staff.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        for key, route in admin_routes:
            path = _concrete(route)
            response = client.get(path)
            expected = ADMIN_OPEN.get(key, ADMIN_LOGIN)
            expected = expected[role] if isinstance(expected, dict) else expected
            if not _matches(response, expected):
                wrong.append(f"  {role} GET {path} ({key}): expected {expected}, got {_outcome(response)}")
    assert not wrong, "\n".join(wrong)
