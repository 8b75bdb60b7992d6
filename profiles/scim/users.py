"""Employees as SCIM Users, and SCIM Users as the arguments of ``profiles.people.person_upsert``.

* A SCIM User is an employee with a sign-in account. DELETE detaches the account (the employee
  stays, as a leaver), so the User is gone while the rows are kept; employees loaded by file
  without an account appear once the HR system creates them (matched on employee number).
* ``id`` is the employee's primary key; ``meta.created`` is when the account was provisioned
  (``User.date_joined``) and ``meta.lastModified`` the employee's ``updated_at``.
* ``meta.version`` is a weak ETag over everything the representation shows, so a renamed role or
  business unit changes it too.
* On PUT, a readWrite attribute the client leaves out is "not asserted" (RFC 7644 §3.5.1) and
  kept: an HR system that does not send managers must not flatten the org chart. Sending it
  as null clears it. PATCH ``remove`` clears it too.
"""

import hashlib
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from scim2_models import InvalidValueException, Meta, NotFoundException, Resource
from scim2_models.path import Path

from profiles.models import Employee
from profiles.people import KEEP

from .schemas import ENTERPRISE_SCHEMA, Enterprise, ScimUser, StandardUser

_ASCII_INTEGER = re.compile(r"-?[0-9]+")


def ascii_integer(text) -> int | None:
    """``text`` as an integer if it is one in ASCII digits (a leading minus allowed), else None.

    Not ``isdigit()`` then ``int()``: "²" is a digit that int() cannot read, and int() reads
    "٣", " 3" and "1_0", which no SCIM client sends as a number. Ids and paging both read this way.
    """
    if not isinstance(text, str) or not _ASCII_INTEGER.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() reads from a string
        return None


def scim_users() -> QuerySet:
    return Employee.objects.filter(user__isnull=False).select_related("user", "role", "business_unit").order_by("pk")


def scim_user_get(pk: str, *, for_update: bool = False) -> Employee:
    users = scim_users().select_for_update(of=("self",)) if for_update else scim_users()
    number = ascii_integer(pk)
    employee = users.filter(pk=number).first() if number is not None else None
    if employee is None:
        raise NotFoundException(detail=f"There is no user with id {pk}.")
    return employee


def user_location(base_url: str, pk: int | str) -> str:
    return f"{base_url}/Users/{pk}"


def user_version(employee: Employee) -> str:
    shown = (
        employee.pk,
        employee.external_id,
        employee.first_name,
        employee.last_name,
        employee.email,
        employee.user.username if employee.user_id else "",
        employee.role.title if employee.role_id else "",
        employee.business_unit.name if employee.business_unit_id else "",
        employee.manager_id,
        employee.status,
        employee.updated_at.isoformat(),
    )
    text = "\x1f".join(str(part) for part in shown)
    return f'W/"{hashlib.sha256(text.encode()).hexdigest()[:20]}"'


def user_from_employee(employee: Employee, *, base_url: str) -> Resource:
    created = employee.user.date_joined if employee.user_id else employee.updated_at
    user = ScimUser(
        id=str(employee.pk),
        external_id=employee.external_id,
        user_name=employee.user.username if employee.user_id else employee.email,
        name=ScimUser.Name(given_name=employee.first_name, family_name=employee.last_name),
        display_name=employee.full_name,
        emails=[ScimUser.Emails(value=employee.email, type="work")] if employee.email else None,
        active=employee.status == Employee.Status.ACTIVE,
        title=employee.role.title if employee.role_id else None,
        meta=Meta(
            resource_type="User",
            created=created,
            last_modified=max(created, employee.updated_at),
            location=user_location(base_url, employee.pk),
            version=user_version(employee),
        ),
    )
    user[Enterprise] = Enterprise(
        employee_number=employee.external_id,
        department=employee.business_unit.name if employee.business_unit_id else None,
        manager=Enterprise.Manager(value=str(employee.manager_id), ref=user_location(base_url, employee.manager_id))
        if employee.manager_id
        else None,
    )
    return user


def payload_with_aliases(payload: dict, *, active: bool) -> dict:
    """Fill what the client may leave out: one HR id from the other, and ``active``.

    externalId and employeeNumber are the same employee number here, so either is enough; a
    person is active unless the client says otherwise (on PUT: unless they already left).
    """
    payload = dict(payload)
    keys = {key.lower(): key for key in payload}
    extension_key = keys.get(ENTERPRISE_SCHEMA.lower())
    extension = dict(payload.get(extension_key) or {}) if extension_key else {}
    if not isinstance(extension, dict):
        return payload  # validation explains the problem
    extension_keys = {key.lower(): key for key in extension}
    external_id = payload.get(keys.get("externalid", ""))
    employee_number = extension.get(extension_keys.get("employeenumber", ""))
    if external_id and not employee_number:
        extension[extension_keys.get("employeenumber", "employeeNumber")] = external_id
        payload[extension_key or ENTERPRISE_SCHEMA] = extension
    if employee_number and not external_id:
        payload[keys.get("externalid", "externalId")] = employee_number
    if payload.get(keys.get("active", "")) is None:
        payload[keys.get("active", "active")] = active
    schemas = payload.get(keys.get("schemas", "schemas"))
    if isinstance(schemas, list) and ENTERPRISE_SCHEMA in payload and ENTERPRISE_SCHEMA not in schemas:
        payload[keys.get("schemas", "schemas")] = [*schemas, ENTERPRISE_SCHEMA]
    return payload


def patch_with_manager_ids(payload: dict) -> dict:
    """Read ``manager: "<id>"`` as ``manager: {"value": "<id>"}``, as Microsoft Entra sends it in PATCH."""

    def is_manager(path) -> bool:
        return isinstance(path, str) and path.lower().rsplit(":", 1)[-1] == "manager"

    operations = next((value for key, value in payload.items() if key.lower() == "operations"), None)
    for operation in operations if isinstance(operations, list) else []:
        if not isinstance(operation, dict):
            continue
        value_key = next((key for key in operation if key.lower() == "value"), None)
        path = next((value for key, value in operation.items() if key.lower() == "path"), None)
        if value_key and is_manager(path) and isinstance(operation[value_key], str):
            operation[value_key] = {"value": operation[value_key]}
        elif value_key and path is None and isinstance(operation[value_key], dict):
            for key, value in operation[value_key].items():
                if is_manager(key) and isinstance(value, str):
                    operation[value_key][key] = {"value": value}
    return payload


def asserted_attributes(resource: Resource) -> set[str]:
    """The attribute names a PUT body actually carried (the rest are not asserted)."""
    names = {ScimUser._scim_name(name) for name in resource.model_fields_set}
    extension = resource[Enterprise]
    if extension is not None:
        names |= {Enterprise._scim_name(name) for name in extension.model_fields_set}
    return names


def person_arguments(after: Resource, *, before: Resource | None, asserted: set[str] | None = None) -> dict[str, Any]:
    """The ``person_upsert`` arguments for a User as it should be after the request.

    ``before`` is the User as it was (None for a creation); ``asserted`` the attributes a PUT
    carried (None: all of them).
    """
    extension = after[Enterprise] or Enterprise()
    before_extension = (before[Enterprise] if before is not None else None) or Enterprise()

    def given(name: str) -> bool:
        return asserted is None or name in asserted

    username = (after.user_name or "").strip()
    arguments: dict[str, Any] = {
        "external_id": _employee_number(after, extension, before, before_extension),
        "first_name": (after.name.given_name or "").strip(),
        "last_name": (after.name.family_name or "").strip(),
        "username": username,
        "email": _email(after, before, username) if given("emails") or _is_email(username) else KEEP,
        "active": bool(after.active),
        "title": ((after.title or "").strip() or None) if given("title") else KEEP,
        "department": ((extension.department or "").strip() or None) if given("department") else KEEP,
        "manager": _manager(extension.manager, before_extension.manager) if given("manager") else KEEP,
    }
    return arguments


def _employee_number(after, extension, before, before_extension) -> str:
    """externalId and employeeNumber hold one value; the one that changed wins, employeeNumber on a tie."""
    number, external_id = (extension.employee_number or "").strip(), (after.external_id or "").strip()
    if before is not None:
        if number and number != before_extension.employee_number:
            return number
        if external_id and external_id != before.external_id:
            return external_id
    return number or external_id


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _email(after, before, username: str) -> str:
    """The userName when it is an e-mail address; else the e-mail just added, else the first one."""
    if _is_email(username):
        return username
    values = [email.value.strip() for email in after.emails or [] if email.value and email.value.strip()]
    known = {email.value for email in (before.emails or [])} if before is not None else set()
    added = [value for value in values if value not in known]
    return (added or values or [""])[0]


def _manager(manager, before_manager) -> Employee | None | object:
    """The manager a User names by ``value`` (or, failing that, by ``$ref``); KEEP when unchanged."""
    if manager is None or not (manager.value or manager.ref):
        return None
    value = (manager.value or str(manager.ref).rstrip("/").rsplit("/", 1)[-1]).strip()
    if before_manager is not None and value == before_manager.value:
        return KEEP  # unchanged, even if the manager's own account has gone since
    number = ascii_integer(value)
    employee = scim_users().filter(pk=number).first() if number is not None else None
    if employee is None:
        raise InvalidValueException(detail=f"The manager {value} is not the id of a user here.")
    return employee


def is_user_attribute(path: Path) -> bool:
    """Whether ``path`` names an attribute of the User as RFC 7643 defines it (core or enterprise).

    Standard attributes not held here (phoneNumbers, addresses) count: Entra's default mapping
    patches them, and they are dropped as in POST and PUT (``POLICY``). Any other path is a typo
    or a schema unknown here, which PATCH refuses (RFC 7644 §3.5.2, invalidPath).
    """
    standard = Path[StandardUser](str(path))
    return standard.model is not None or standard.resolve() is not None
