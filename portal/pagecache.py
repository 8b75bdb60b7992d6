"""Key-based caching of the portal pages: /me/ and the manager briefing.

Building /me/ takes ~30 queries and ~90 ms of Python (levels, the learning path, ~1,400 template
nodes); serving it again takes a few queries and no rendering. Nothing is ever invalidated and
nothing is listed by hand: while a page is built, every table it reads is recorded
(``core.tableversions.reading``), and the page is stored with those tables' versions as they were
read just before the build. A version moves with every committed write to its table, whatever
makes it (``save``, ``update()``, bulk writes, raw SQL, imports, the recompute: a trigger in the
database), so a page is served again only while none of the tables it was drawn from has been
written since. A page that read a table without a version (``tableversions.UNTRACKED_PREFIXES``)
is built live and not stored.

The key itself holds what the build takes from memory rather than from a query: who looks (what
the navigation shows about them, HR or not, ``vary``), the values of the rows the view passed in
(the employee and the rows loaded with it, the signed-in user) and today's date.

A hit costs the cache look-up and one query reading the versions. The price of completeness: a
write to a table anyone's page reads (a new piece of evidence anywhere) makes every page that read
that table build again on its next visit. Forms carry a placeholder where the CSRF token goes,
filled in per request: a random one per built page, stored with it, so text a person wrote can
never name it and be replaced by the viewer's token; a page with messages to show, or with a
form's errors, is built live and not stored.
"""

import hashlib
import secrets
import zlib

from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone

from core import tableversions
from profiles.access import employee_of, is_hr, is_manager, manages

PAGE_CACHE = "pages"  # a table of its own (talent.settings)
PAGE_SECONDS = 600
SECRET_FIELDS = {"password"}


def row_values(instance, *, seen=None) -> tuple:
    """The values of ``instance``'s columns and of the rows loaded with it (``select_related`` or
    a foreign key followed earlier in the request): what a template may read without a query."""
    seen = set() if seen is None else seen
    if instance is None or id(instance) in seen:
        return ()
    seen.add(id(instance))
    values = tuple(
        getattr(instance, field.attname) for field in instance._meta.concrete_fields if field.name not in SECRET_FIELDS
    )
    loaded = getattr(instance._state, "fields_cache", {})
    return (instance._meta.label, values, *(row_values(loaded[name], seen=seen) for name in sorted(loaded)))


def _viewer(request, employee) -> tuple:
    """What the navigation (base.html) shows about the signed-in person; for /me/ the values of
    ``employee``'s row have it already."""
    user = request.user
    viewer = employee_of(user)
    if viewer is not None and viewer.pk == employee.pk:
        return (user.pk, user.email, is_hr(user))
    manager = manages(user, employee) or is_manager(user)  # managing this employee answers it without a query
    return (user.pk, user.email, is_hr(user), viewer and viewer.full_name, manager)


def page(request, *, name: str, employee, template: str, build, vary=(), store: bool = True, status: int = 200):
    """The response rendering ``template`` with the context ``build()`` returns, from the cache
    when none of the tables it was drawn from has been written since; ``vary`` adds what else the
    page depends on.

    Built live and not stored: with ``store=False``, with a status other than 200 (a form's
    errors), and when the request has messages to show.
    """
    store = store and status == 200 and not len(messages.get_messages(request))
    html = None
    if store:
        parts = (
            _viewer(request, employee),
            row_values(employee),
            row_values(request.user),
            row_values(employee_of(request.user)),
            timezone.localdate(),
            *vary,
        )
        key = f"portal:{name}:{employee.pk}:{hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()}"
        pages = caches[PAGE_CACHE]
        found = pages.get(key)
        versions = tableversions.current()  # before the build reads anything
        if found is not None:
            tables, built_at, placeholder, packed = found
            if tuple(versions.get(table) for table in tables) == built_at:
                html = zlib.decompress(packed).decode()
    if html is None:
        placeholder = f"csrf-{secrets.token_urlsafe(18)}"
        with tableversions.reading() as read:
            html = render_to_string(template, {**build(), "csrf_token": placeholder}, request=request)
        tables = tuple(sorted(read))
        if store and all(table in versions for table in tables):
            built_at = tuple(versions[table] for table in tables)
            pages.set(key, (tables, built_at, placeholder, zlib.compress(html.encode(), 1)), PAGE_SECONDS)
    return HttpResponse(html.replace(placeholder, get_token(request)), status=status)
