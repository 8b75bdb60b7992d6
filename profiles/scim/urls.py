"""SCIM 2.0 under /scim/v2/ (see ``views``). Paths take an optional trailing slash."""

from django.urls import re_path

from . import views

app_name = "scim"

urlpatterns = [
    re_path(r"^ServiceProviderConfig/?$", views.service_provider_config_view, name="service_provider_config"),
    re_path(r"^Schemas/?$", views.schemas, name="schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", views.schema, name="schema"),
    re_path(r"^ResourceTypes/?$", views.resource_types, name="resource_types"),
    re_path(r"^ResourceTypes/(?P<type_id>[^/]+)/?$", views.resource_type, name="resource_type"),
    re_path(r"^Users/?$", views.users, name="users"),
    re_path(r"^Users/\.search/?$", views.search, name="users_search"),
    re_path(r"^Users/(?P<pk>[^/]+)/?$", views.user, name="user"),
    re_path(r"^\.search/?$", views.search, name="search"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
