"""The SCIM 2.0 endpoints (RFC 7644) the HR system pushes hires, moves and leavers through.

* Every endpoint needs ``Authorization: Bearer <token>`` with a SCIM credential
  (``credential_issue(kind="scim", ...)``); without one it is 401 with a SCIM error.
* Every answer is ``application/scim+json``, errors included (``Error`` with status, scimType and
  detail); an unknown path is a SCIM 404.
* Each write (POST, PUT, PATCH, DELETE on a User) runs in one transaction and is recorded as a
  ``SyncRun`` (source scim, kind people) with its outcome; a refused write records its reason as
  a ``SyncRejection`` and changes nothing. What is accepted but not applied (a title that matches
  no role, a new e-mail for an account with staff rights) is noted the same way and the run is
  "partial", so HR can see why.
* Supported: Users with the enterprise extension, filter (see ``filters``), startIndex/count
  paging up to ``MAX_RESULTS`` (ASCII integers; a start past the end is an empty page),
  attributes/excludedAttributes, PATCH (a path naming no User attribute is invalidPath), ETags
  (If-Match, If-None-Match), POST ``.search``. Bodies are read by ``profiles.safe_json``.
  Not supported (and declared so): Groups, bulk, sorting, password changes, /Me.
"""

import json
import logging
from collections.abc import Callable
from functools import wraps

import pydantic
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    InvalidPathException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    Meta,
    NotFoundException,
    PatchOp,
    PayloadTooLargeException,
    PreconditionFailedException,
    ResourceType,
    ResponseParameters,
    Schema,
    SCIMException,
    SearchRequest,
    UniquenessException,
)

from profiles import safe_json
from profiles.credentials import credential_from_bearer
from profiles.models import Credential, SyncRun
from profiles.people import PersonChange, person_remove, person_upsert
from profiles.recording import Outcome, Tally, sync_run_record
from profiles.signals import profile_changed_on_commit
from taxonomy.models import Role

from .filters import filter_to_q
from .schemas import (
    MAX_RESULTS,
    POLICY,
    PROVIDER,
    ScimUser,
    discovery_schemas,
    enterprise_schema,
    service_provider_config,
    user_resource_type,
    user_schema,
)
from .users import (
    ascii_integer,
    asserted_attributes,
    is_user_attribute,
    patch_with_manager_ids,
    payload_with_aliases,
    person_arguments,
    scim_user_get,
    scim_users,
    user_from_employee,
)

logger = logging.getLogger(__name__)

SCIM_JSON = "application/scim+json"
RAW_KEPT = 10_000  # characters of a refused request body kept on its SyncRejection


class MethodNotAllowed(SCIMException):
    status = 405


class Forbidden(SCIMException):
    status = 403


# --- plumbing -------------------------------------------------------------------------------


def _response(payload: dict | None, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    if payload is None:
        response = HttpResponse(status=status)
        del response["Content-Type"]
    else:
        response = HttpResponse(json.dumps(payload).encode(), status=status, content_type=SCIM_JSON)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error_response(error: Error, *, headers: dict | None = None) -> HttpResponse:
    return _response(error.model_dump(scim_ctx=Context.DEFAULT), status=int(error.status or 400), headers=headers)


def _credential(request) -> Credential | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return credential_from_bearer(kind=Credential.Kind.SCIM, token=token)


def scim_endpoint(*methods: str):
    """CSRF-exempt, bearer-authenticated, ``methods`` only, SCIM exceptions answered as SCIM errors."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            credential = _credential(request)
            if credential is None:
                error = Error(
                    status=401, detail="A valid SCIM bearer token is required (Authorization: Bearer <token>)."
                )
                return _error_response(error, headers={"WWW-Authenticate": 'Bearer realm="scim"'})
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(detail=f"{request.method} is not supported here; use {', '.join(methods)}.")
                with PROVIDER:
                    return view(request, credential, *args, **kwargs)
            except SCIMException as exc:
                headers = {"Allow": ", ".join(methods)} if isinstance(exc, MethodNotAllowed) else None
                return _error_response(exc.to_error(), headers=headers)
            except Exception:
                # A SCIM client reads errors as SCIM errors, even this one; the traceback goes to the log.
                logger.exception("SCIM %s %s failed", request.method, request.path)
                return _error_response(Error(status=500, detail="The server failed; nothing was changed."))

        return wrapped

    return decorator


def _base_url(request) -> str:
    return request.build_absolute_uri(reverse("scim:users")).removesuffix("/Users")


def _json_body(request) -> dict:
    try:
        body = safe_json.loads(request.body or b"null")
    except RequestDataTooBig as exc:
        raise PayloadTooLargeException(detail="The request body is too large.") from exc
    except safe_json.InvalidJson as exc:
        raise InvalidSyntaxException(detail=f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="The request body must be a JSON object.")
    return body


def _raw(request) -> str:
    """The request body as kept on a SyncRejection (shortened)."""
    try:
        return request.body.decode(errors="replace")[:RAW_KEPT]
    except RequestDataTooBig:
        return ""


def _validated(model, payload, context: Context):
    """``model`` read from ``payload``, its first validation problem raised as a SCIM error."""
    try:
        return model.model_validate(payload, scim_ctx=context, scim_provider=PROVIDER)
    except pydantic.ValidationError as exc:
        raise SCIMException.from_error(Error.from_validation_errors(exc)[0]) from exc


def _response_parameters(source: dict) -> ResponseParameters | None:
    wanted = {key: source[key] for key in ("attributes", "excludedAttributes") if source.get(key)}
    return _validated(ResponseParameters[ScimUser], wanted, Context.DEFAULT) if wanted else None


def _user_response(request, employee, *, context: Context, status: int = 200) -> HttpResponse:
    resource = user_from_employee(employee, base_url=_base_url(request))
    headers = {"ETag": resource.meta.version, "Content-Location": resource.meta.location}
    if status == 201:
        headers["Location"] = resource.meta.location
    parameters = _response_parameters(request.GET)
    payload = resource.model_dump(scim_ctx=context, response_parameters=parameters, scim_provider=PROVIDER)
    return _response(payload, status=status, headers=headers)


def _etags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def _check_if_match(request, current) -> None:
    wanted = _etags(request.headers.get("If-Match", ""))
    if wanted and "*" not in wanted and current.meta.version.removeprefix("W/") not in wanted:
        raise PreconditionFailedException(detail="The user changed since this version was read (If-Match).")


# How the model's field names read to someone mapping attributes in the HR system.
_ATTRIBUTE_OF_FIELD = {
    "external_id": "employeeNumber",
    "username": "userName",
    "email": "emails",
    "first_name": "name.givenName",
    "last_name": "name.familyName",
    "manager": "manager",
    "business_unit": "department",
    "name": "department",
    "role": "title",
}


def _person_upsert(**arguments) -> PersonChange:
    """``person_upsert`` with Django's validation errors as SCIM errors (409 for uniqueness)."""
    try:
        return person_upsert(source=SyncRun.Source.SCIM, **arguments)
    except IntegrityError as exc:  # two requests for one new person at once; the other one won
        raise UniquenessException(detail="Another request changed this person at the same moment; retry.") from exc
    except ValidationError as exc:
        groups = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
        parts, codes = [], set()
        for name, errors in groups:
            for error in errors:
                codes.add(error.code)
                message = " ".join(error.messages)
                parts.append(
                    message if name == NON_FIELD_ERRORS else f"{_ATTRIBUTE_OF_FIELD.get(name, name)}: {message}"
                )
        if "unique" in codes:
            raise UniquenessException(detail="; ".join(parts)) from exc
        raise InvalidValueException(detail="; ".join(parts)) from exc


def _recorded(request, credential: Credential, write: Callable[[], tuple[PersonChange, Callable]]) -> HttpResponse:
    """Run one write in a transaction and record it as a ``SyncRun``, refused or not.

    ``write`` returns the change and a function making the response (called inside the
    transaction, so the response shows what was committed).
    """
    tally = Tally(received=1)
    record = {"source": SyncRun.Source.SCIM, "kind": "people", "name": credential.name, "triggered_by": credential.user}
    try:
        with transaction.atomic():
            change, respond = write()
            response = respond()
    except Exception as exc:
        reason = exc.detail if isinstance(exc, SCIMException) else "The server failed; nothing was changed."
        tally.reject(reason=reason, raw=_raw(request))
        sync_run_record(tally=tally, error=reason, **record)
        raise
    tally.add(change.outcome)
    for note in change.notes:
        tally.reject(reason=note, raw=_raw(request))
    sync_run_record(tally=tally, **record)
    for what in change.what:
        profile_changed_on_commit(employee_ids=[change.employee.pk], what=what, source=SyncRun.Source.SCIM)
    return response


def _list_response(request, queryset, *, start_index, count, parameters, context: Context) -> HttpResponse:
    start_index = max(1, _integer(start_index, "startIndex", default=1))
    count = min(max(0, _integer(count, "count", default=MAX_RESULTS)), MAX_RESULTS)
    total = queryset.count()
    # A start past the end is an empty page, found without the database: an OFFSET past 64 bits crashes it.
    page = list(queryset[start_index - 1 : start_index - 1 + count]) if count and start_index <= total else []
    base_url = _base_url(request)
    listing = ListResponse[ScimUser](
        total_results=total,
        start_index=start_index,
        items_per_page=len(page),
        resources=[user_from_employee(employee, base_url=base_url) for employee in page],
    )
    return _response(listing.model_dump(scim_ctx=context, response_parameters=parameters, scim_provider=PROVIDER))


def _integer(value, name: str, *, default: int) -> int:
    """A paging parameter: from the query string (text) or a .search body (already an int)."""
    if value in (None, ""):
        return default
    number = value if isinstance(value, int) else ascii_integer(value)
    if number is None:
        raise InvalidValueException(detail=f"{name} must be an integer in ASCII digits, not {value!r}.")
    return number


def _filtered_users(filter_text: str | None):
    users = scim_users()
    return users.filter(filter_to_q(filter_text)) if filter_text else users


# --- Users ----------------------------------------------------------------------------------


@scim_endpoint("GET", "POST")
def users(request, credential):
    if request.method == "GET":
        return _list_response(
            request,
            _filtered_users(request.GET.get("filter")),
            start_index=request.GET.get("startIndex"),
            count=request.GET.get("count"),
            parameters=_response_parameters(request.GET),
            context=Context.RESOURCE_QUERY_RESPONSE,
        )
    return _recorded(request, credential, lambda: _user_create(request))


def _user_create(request):
    payload = payload_with_aliases(_json_body(request), active=True)
    resource = _validated(ScimUser, payload, Context.RESOURCE_CREATION_REQUEST)
    arguments = person_arguments(resource, before=None)
    if scim_users().filter(external_id=arguments["external_id"]).exists():
        raise UniquenessException(detail=f"A user with employee number {arguments['external_id']} already exists.")
    change = _person_upsert(**arguments)
    return change, lambda: _user_response(
        request, change.employee, context=Context.RESOURCE_CREATION_RESPONSE, status=201
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request, credential, pk: str):
    if request.method == "GET":
        employee = scim_user_get(pk)
        current = user_from_employee(employee, base_url=_base_url(request))
        if current.meta.version.removeprefix("W/") in _etags(request.headers.get("If-None-Match", "")):
            return _response(None, status=304, headers={"ETag": current.meta.version})
        return _user_response(request, employee, context=Context.RESOURCE_QUERY_RESPONSE)
    write = {"PUT": _user_replace, "PATCH": _user_patch, "DELETE": _user_delete}[request.method]
    return _recorded(request, credential, lambda: write(request, pk))


def _current(request, pk: str):
    employee = scim_user_get(pk, for_update=True)
    current = user_from_employee(employee, base_url=_base_url(request))
    _check_if_match(request, current)
    return employee, current


def _user_replace(request, pk: str):
    employee, current = _current(request, pk)
    payload = payload_with_aliases(_json_body(request), active=current.active)
    resource = _validated(ScimUser, payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    arguments = person_arguments(resource, before=current, asserted=asserted_attributes(resource))
    change = _person_upsert(employee=employee, **arguments)
    return change, lambda: _user_response(request, change.employee, context=Context.RESOURCE_REPLACEMENT_RESPONSE)


def _user_patch(request, pk: str):
    employee, current = _current(request, pk)
    payload = patch_with_manager_ids(_json_body(request))
    patch = _validated(PatchOp[ScimUser], payload, Context.RESOURCE_PATCH_REQUEST)
    for operation in patch.operations or []:
        if operation.path is not None and not is_user_attribute(operation.path):
            raise InvalidPathException(path=str(operation.path), detail=f"A User has no attribute {operation.path}.")
    after = current.model_copy(deep=True)
    patch.patch(after, scim_policy=POLICY)
    change = _person_upsert(employee=employee, **person_arguments(after, before=current))
    return change, lambda: _user_response(request, change.employee, context=Context.RESOURCE_PATCH_RESPONSE)


def _user_delete(request, pk: str):
    employee, _ = _current(request, pk)
    person_remove(employee=employee, on_date=timezone.localdate())
    change = PersonChange(employee=employee, outcome=Outcome.UPDATED, changed=frozenset({"status", "account"}))
    return change, lambda: _response(None, status=204)


@scim_endpoint("POST")
def search(request, credential):
    """POST /Users/.search, and POST /.search (Users are the only resource type)."""
    query = _validated(SearchRequest, _json_body(request), Context.SEARCH_REQUEST)
    parameters = (
        ResponseParameters[ScimUser](attributes=query.attributes, excluded_attributes=query.excluded_attributes)
        if query.attributes or query.excluded_attributes
        else None
    )
    return _list_response(
        request,
        _filtered_users(query.filter),
        start_index=query.start_index,
        count=query.count,
        parameters=parameters,
        context=Context.SEARCH_RESPONSE,
    )


# --- discovery ------------------------------------------------------------------------------


def _no_filter(request) -> None:
    if "filter" in request.GET:
        # RFC 7644 §4: a filter here would be ignored, so refuse it rather than seem to apply it.
        raise Forbidden(detail="Discovery endpoints cannot be filtered.")


def _dump(resource) -> dict:
    return resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _listing(resources: list) -> HttpResponse:
    return _response(
        {
            "schemas": [ListResponse.__schema__],
            "totalResults": len(resources),
            "startIndex": 1,
            "itemsPerPage": len(resources),
            "Resources": [_dump(resource) for resource in resources],
        }
    )


def _schemas(request) -> list[Schema]:
    titles = list(Role.objects.order_by("title").values_list("title", flat=True))
    schemas = [Schema.model_validate(user_schema(role_titles=titles)), Schema.model_validate(enterprise_schema())]
    schemas += discovery_schemas()
    base_url = _base_url(request)
    for schema in schemas:
        schema.meta = Meta(resource_type="Schema", location=f"{base_url}/Schemas/{schema.id}")
    return schemas


def _resource_types(request) -> list[ResourceType]:
    resource_type = ResourceType.model_validate(user_resource_type())
    resource_type.meta = Meta(resource_type="ResourceType", location=f"{_base_url(request)}/ResourceTypes/User")
    return [resource_type]


@scim_endpoint("GET")
def service_provider_config_view(request, credential):
    _no_filter(request)
    location = f"{_base_url(request)}/ServiceProviderConfig"
    return _response(_dump(service_provider_config(location=location)))


@scim_endpoint("GET")
def schemas(request, credential):
    _no_filter(request)
    return _listing(_schemas(request))


@scim_endpoint("GET")
def schema(request, credential, schema_id: str):
    found = [s for s in _schemas(request) if str(s.id).casefold() == schema_id.casefold()]
    if not found:
        raise NotFoundException(detail=f"There is no schema {schema_id}.")
    return _response(_dump(found[0]))


@scim_endpoint("GET")
def resource_types(request, credential):
    _no_filter(request)
    return _listing(_resource_types(request))


@scim_endpoint("GET")
def resource_type(request, credential, type_id: str):
    found = [t for t in _resource_types(request) if str(t.id).casefold() == type_id.casefold()]
    if not found:
        raise NotFoundException(detail=f"There is no resource type {type_id}; this server serves Users only.")
    return _response(_dump(found[0]))


@scim_endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
def not_found(request, credential, path: str = ""):
    raise NotFoundException(detail=f"There is no SCIM endpoint /{path}. This server serves Users only (no Groups).")
