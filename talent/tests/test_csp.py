"""A Content-Security-Policy on every page, and no page that needs inline script to work.

The header forbids inline script (script-src 'self'), so a page with a ``<script>`` body or an
``on...=`` handler would silently break in the browser; these tests fetch every kind of page as
the people who use it and fail on either.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_no_inline_script(response, url):
    body = response.content.decode()
    assert not INLINE_SCRIPT.search(body), f"{url}: inline <script> {INLINE_SCRIPT.search(body)[0]}"
    assert not EVENT_HANDLER.search(body), f"{url}: inline event handler {EVENT_HANDLER.search(body)[0]}"
    assert not JAVASCRIPT_URL.search(body), f"{url}: javascript: URL"


def test_the_policy_allows_scripts_only_from_our_own_files(client):
    policy = directives(client.get("/accounts/login/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src"] and "'unsafe-eval'" not in policy["script-src"]


PAGES = {
    None: ["/accounts/login/", "/accounts/password/reset/", "/api/docs/", "/xapi/about"],
    "employee": ["/me/", "/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"],
    "manager": ["/team/", "/team/contests/", "briefing"],
    "hr": [
        "/hr/",
        "/hr/data/syncs/",
        "/hr/data/upload/",
        "/hr/review/",
        "/hr/quality/",
        "/hr/metrics/",
        "/admin/",
        "/admin/profiles/employee/",
        "employee admin",
        "/admin/taxonomy/skill/add/",
    ],
}


@pytest.mark.parametrize(("role", "url"), [(role, url) for role, urls in PAGES.items() for url in urls])
def test_every_kind_of_page_carries_the_policy_and_no_inline_script(client, org, role, url):
    if role is not None:
        client.force_login(org.hr_user if role == "hr" else getattr(org, role).user)
    url = {
        "briefing": f"/team/{org.employee.pk}/briefing/",
        "employee admin": f"/admin/profiles/employee/{org.employee.pk}/change/",
    }.get(url, url)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert_no_inline_script(response, url)


def test_no_template_of_ours_holds_inline_script():
    """Pages not fetched above (error pages, e-mails, partials) are checked as source."""
    base = Path(settings.BASE_DIR).resolve()
    ours = [Path(folder).resolve() for folder in get_app_template_dirs("templates")]
    # A virtual environment inside the project (.venv) holds other packages' templates: not ours.
    folders = [base / "templates"] + [
        folder for folder in ours if folder.is_relative_to(base) and ".venv" not in folder.relative_to(base).parts
    ]
    offenders = []
    for folder in folders:
        for template in folder.rglob("*.html"):
            text = template.read_text()
            for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL):
                if pattern.search(text):
                    offenders.append(f"{template}: {pattern.search(text)[0]}")
    assert not offenders
