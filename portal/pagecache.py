"""Key-based caching of the portal pages: /me/ and the manager briefing.

Building /me/ takes ~30 queries and ~90 ms of Python (levels, the learning path, ~1,400 template
nodes); serving it again takes a handful of queries and no rendering. Nothing is ever
invalidated: a page is cached under a key made of everything it is drawn from, so any change
makes a new key.

* The person's own rows (``stamp``, one query): per table that feeds the pages, how many rows
  they have, the newest id, and the columns that change in place (statuses, decision, delivery
  and completion times); their own displayed fields, whether they manage anyone, and their
  manager's name; the pointer to their analysis (run, visible run, review status, time computed).
* The taxonomy, catalogue, opportunities and engine settings: a version (``VERSION_KEY``),
  bumped by any save or delete of those models (``recommendations.receivers.SHARED_MODELS``)
  and by a taxonomy import (``taxonomy_changed``, connected in ``talent.apps``). It is stored
  with the page and read in the same cache look-up.
* Who looks (what the navigation shows about them, HR or not, anything else the page varies on)
  and today's date.

The key is computed on every request, the page built only when the key is new. What the key
cannot see (another person's name shown as a note's author or a mentor) is at most
``PAGE_SECONDS`` old. Forms carry a placeholder where the CSRF token goes, filled in per request:
a random one per built page, stored with it, so text a person wrote can never name it and be
replaced by the viewer's token; a page with messages to show, or with a form's errors, is built live and not stored.
"""

import hashlib
import secrets
import time
import zlib
from functools import cache

from django.contrib import messages
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone

from profiles.access import employee_of, is_hr, is_manager, manages

PAGE_CACHE = "pages"  # a table of its own (talent.settings)
PAGE_SECONDS = 600
VERSION_KEY = "portal:taxonomy-version"


def taxonomy_changed(sender=None, **kwargs):
    """A receiver: the taxonomy, catalogue, opportunities or engine settings changed. Bumped now,
    and again once the change commits, so a page built from the old rows in between is never
    served under the new version."""

    def bump():
        caches[PAGE_CACHE].set(VERSION_KEY, time.time(), None)

    bump()
    transaction.on_commit(bump)


def _counted(model, *, extra=(), statuses=()) -> str:
    """One text of aggregates over ``model``'s rows of the person: count, newest id, the ``extra``
    expressions, and how many rows are in each status. A scalar subquery, not a join: ten joined
    aggregates cost PostgreSQL 4 ms of planning, ten scalar subqueries a fraction of that."""
    columns = ["COUNT(*)", "MAX(id)", *extra]
    for value in statuses:
        assert value.isidentifier(), value  # a choice value from the code, never user input
        columns.append(f"SUM(CASE WHEN status = '{value}' THEN 1 ELSE 0 END)")
    text = " || ',' || ".join(f"COALESCE(CAST({column} AS TEXT), '')" for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    return f"(SELECT {text} FROM {table} WHERE employee_id = e.id)"  # noqa: S608


@cache
def _stamp_sql() -> str:
    from feedback.models import CheckIn, Signal, SkillContest
    from profiles.models import (
        CareerAspiration,
        DataQualityFlag,
        Employee,
        LearningRecord,
        PerformanceReview,
        SkillEvidence,
    )
    from recommendations.models import Candidacy, EmployeeAnalysis, Flag, Recommendation

    sources = [
        _counted(SkillEvidence),
        _counted(PerformanceReview),
        _counted(CareerAspiration),
        _counted(Signal),
        _counted(CheckIn, extra=["COUNT(employee_relevance)"]),
        _counted(SkillContest, extra=["MAX(decided_at)"], statuses=SkillContest.Status.values),
        _counted(LearningRecord, extra=["MAX(completed_at)", "SUM(minutes)"], statuses=LearningRecord.Status.values),
        _counted(
            Recommendation,
            extra=["MAX(delivered_at)", "MAX(acted_at)", "MAX(completed_at)"],
            statuses=Recommendation.Status.values,
        ),
        _counted(Flag, extra=["COUNT(resolved_at)"]),
        _counted(
            Candidacy,
            extra=["MAX(decided_at)", "SUM(CASE WHEN tell_manager THEN 1 ELSE 0 END)"],
            statuses=Candidacy.Status.values,
        ),
        _counted(DataQualityFlag, extra=["COUNT(resolved_at)"]),
    ]
    people = connection.ops.quote_name(Employee._meta.db_table)
    analysis = connection.ops.quote_name(EmployeeAnalysis._meta.db_table)
    return (
        "SELECT e.first_name, e.last_name, e.role_id, e.business_unit_id, e.status, e.org_path, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {people} AS r WHERE r.manager_id = e.id), m.first_name, m.last_name, "
        "a.run_id, a.visible_run_id, a.review_status, a.computed_at, "
        f"{', '.join(sources)} "
        f"FROM {people} AS e LEFT JOIN {people} AS m ON m.id = e.manager_id "
        f"LEFT JOIN {analysis} AS a ON a.employee_id = e.id WHERE e.id = %(pk)s"
    )


def stamp(employee) -> tuple:
    """Everything about ``employee``'s own rows that the portal pages show, as one row."""
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(), {"pk": employee.pk})
        return cursor.fetchone()


def _viewer(request, employee) -> tuple:
    """What the navigation (base.html) shows about the signed-in person; for /me/ the stamp of
    ``employee`` has it already."""
    user = request.user
    viewer = employee_of(user)
    if viewer is not None and viewer.pk == employee.pk:
        return (user.pk, user.email, is_hr(user))
    manager = manages(user, employee) or is_manager(user)  # managing this employee answers it without a query
    return (user.pk, user.email, is_hr(user), viewer and viewer.full_name, manager)


def page(request, *, name: str, employee, template: str, build, vary=(), store: bool = True, status: int = 200):
    """The response rendering ``template`` with the context ``build()`` returns, from the cache
    when nothing it draws from has changed; ``vary`` adds what else the page depends on.

    Built live and not stored: with ``store=False``, with a status other than 200 (a form's
    errors), and when the request has messages to show.
    """
    store = store and status == 200 and not len(messages.get_messages(request))
    if store:
        parts = (stamp(employee), _viewer(request, employee), timezone.localdate(), *vary)
        key = f"portal:{name}:{employee.pk}:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"
        pages = caches[PAGE_CACHE]
        found = pages.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY) or pages.get_or_set(VERSION_KEY, time.time, None)  # lost: a new one
        built_at, placeholder, packed = found.get(key, (None, None, None))
    if store and built_at == version:
        html = zlib.decompress(packed).decode()
    else:
        placeholder = f"csrf-{secrets.token_urlsafe(18)}"
        html = render_to_string(template, {**build(), "csrf_token": placeholder}, request=request)
        if store:
            pages.set(key, (version, placeholder, zlib.compress(html.encode(), 1)), PAGE_SECONDS)
    return HttpResponse(html.replace(placeholder, get_token(request)), status=status)
