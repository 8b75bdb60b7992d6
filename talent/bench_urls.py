"""The project's URLs plus ``bench/bare/``, for ``manage.py bench_web`` only.

The benchmark's gunicorn process selects this URLconf (``ROOT_URLCONF=talent.bench_urls`` in its
environment, applied by ``bench_web.wsgi_application``); no other process routes to it.
"""

from django.http import HttpResponse
from django.urls import include, path

from profiles.models import Employee
from taxonomy.models import Role


def bare(request):
    """The floor: a plain Django view with three primary-key queries and no template."""
    pk = int(request.GET.get("pk", 0))
    person = Employee.objects.filter(pk=pk).values("first_name", "role_id", "manager_id").first() or {}
    role = Role.objects.filter(pk=person.get("role_id")).values_list("title", flat=True).first()
    manager = Employee.objects.filter(pk=person.get("manager_id")).values_list("first_name", flat=True).first()
    return HttpResponse(f"<p>{person.get('first_name')} · {role} · {manager}</p>")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("talent.urls")),
]
