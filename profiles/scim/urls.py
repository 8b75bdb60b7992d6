"""SCIM 2.0 under /scim/v2/ (see ``views``). Paths take an optional trailing slash.

The views are imported on the first SCIM request, not with the URL conf: scim2-models builds its
pydantic models at import and reads every field's docstring from the source to do it (1-4 s,
longer the more modules are loaded), which every other process (each ``manage.py`` command, a
task worker, the test run) would pay for nothing.
"""

from importlib import import_module

from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

app_name = "scim"


def _view(name: str):
    """``views.<name>``, imported when first called (every SCIM view is CSRF-exempt: bearer tokens)."""

    @csrf_exempt
    def view(request, *args, **kwargs):
        return getattr(import_module(f"{__package__}.views"), name)(request, *args, **kwargs)

    view.__name__ = view.__qualname__ = name
    return view


urlpatterns = [
    re_path(r"^ServiceProviderConfig/?$", _view("service_provider_config_view"), name="service_provider_config"),
    re_path(r"^Schemas/?$", _view("schemas"), name="schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", _view("schema"), name="schema"),
    re_path(r"^ResourceTypes/?$", _view("resource_types"), name="resource_types"),
    re_path(r"^ResourceTypes/(?P<type_id>[^/]+)/?$", _view("resource_type"), name="resource_type"),
    re_path(r"^Users/?$", _view("users"), name="users"),
    re_path(r"^Users/\.search/?$", _view("search"), name="users_search"),
    re_path(r"^Users/(?P<pk>[^/]+)/?$", _view("user"), name="user"),
    re_path(r"^\.search/?$", _view("search"), name="search"),
    re_path(r"^(?P<path>.*)$", _view("not_found"), name="not_found"),
]
