"""What the SCIM server publishes about itself, and the pydantic models it reads and writes with.

The User schema lists only the attributes an Employee can hold, with the characteristics the
data model really has (RFC 7643 §7 lets a service provider publish the subset it supports):

* ``externalId`` and the enterprise ``employeeNumber`` are both the person's id in the HR system
  (``Employee.external_id``). Every employee must have one, so both are declared required: a
  client may send either (or both, equal); if it sends two different values the employee number
  wins. ``externalId`` is a common attribute (RFC 7643 §3.1); it is listed here only so that its
  required characteristic can be declared.
* ``name.givenName`` and ``name.familyName`` are required (an employee has both names).
* ``active`` is required: a person is either active or has left; it cannot be "unset".
* ``emails`` holds one work e-mail: the ``userName`` when that is an e-mail address, else the
  first value sent.
* ``title``'s canonical values are the role titles of the skills taxonomy, read at request time.
* Groups, passwords, phone numbers, addresses and the like are not held, so not published.

The pydantic models are built from the same schema dictionaries with scim2-models, so what the
server parses and what it publishes cannot drift apart.
"""

from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Extension,
    Filter,
    Meta,
    Patch,
    Resource,
    ResourceType,
    Schema,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"

MAX_RESULTS = 200  # the most resources one list or search response holds

# HR systems send attributes nobody here stores (phone numbers, addresses, Entra's quirks):
# accept and drop them rather than refuse the whole person.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def _attribute(name: str, type: str = "string", *, description: str, **characteristics: Any) -> dict:
    return {
        "name": name,
        "type": type,
        "multiValued": False,
        "description": description,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
        **characteristics,
    }


def user_schema(*, role_titles: list[str] | None = None) -> dict:
    title = _attribute(
        "title",
        description=(
            "The person's role: one of the role titles of the skills taxonomy (canonicalValues). A title that "
            "matches no role is accepted but leaves the role as it was; the sync run records it for HR."
        ),
    )
    if role_titles:
        title["canonicalValues"] = role_titles
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "An employee, with the sign-in account the HR system provisions for them.",
        "attributes": [
            _attribute(
                "externalId",
                description=(
                    "The person's id in the HR system: their employee number, the same value as the enterprise "
                    "employeeNumber. Required; if both are sent and differ, employeeNumber wins."
                ),
                required=True,
                caseExact=True,
                uniqueness="server",
            ),
            _attribute(
                "userName",
                description=(
                    "The sign-in name, normally the work e-mail address; when it is an e-mail address it is also "
                    "the person's e-mail here and they sign in with it."
                ),
                required=True,
                uniqueness="server",
            ),
            _attribute(
                "name",
                "complex",
                description="The person's name.",
                required=True,
                subAttributes=[
                    _attribute("givenName", description="Given (first) name, up to 100 characters.", required=True),
                    _attribute("familyName", description="Family (last) name, up to 100 characters.", required=True),
                ],
            ),
            _attribute("displayName", description="givenName and familyName, for display.", mutability="readOnly"),
            _attribute(
                "emails",
                "complex",
                description=(
                    "The one work e-mail held: the userName when that is an e-mail address, else the first value "
                    "sent here."
                ),
                multiValued=True,
                subAttributes=[
                    _attribute("value", description="The e-mail address."),
                    _attribute("type", description="Always work.", canonicalValues=["work"]),
                ],
            ),
            _attribute(
                "active",
                "boolean",
                description=(
                    "false: the person has left (their leaving date is the day it arrived) and cannot sign in; "
                    "true again: they are back, and the leaving date is cleared."
                ),
                required=True,
            ),
            title,
        ],
    }


def enterprise_schema() -> dict:
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": ENTERPRISE_SCHEMA,
        "name": "EnterpriseUser",
        "description": "Where the person sits in the organisation.",
        "attributes": [
            _attribute(
                "employeeNumber",
                description="The person's employee number in the HR system (the same value as externalId).",
                required=True,
                caseExact=True,
                uniqueness="server",
            ),
            _attribute("department", description="The business unit, by name; created if it does not exist yet."),
            _attribute(
                "manager",
                "complex",
                description=(
                    "The person's manager. Changing it moves the person and everyone below them; a change that "
                    "would make someone their own manager is refused."
                ),
                subAttributes=[
                    _attribute("value", description="The manager's SCIM id.", caseExact=True),
                    _attribute(
                        "$ref",
                        "reference",
                        description="The manager's URI.",
                        caseExact=True,
                        referenceTypes=["User"],
                    ),
                ],
            ),
        ],
    }


def user_resource_type() -> dict:
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "Employees. Groups are not supported.",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": True}],
    }


def _build_provider() -> ScimProvider:
    return ScimProvider(
        models=[
            Resource.from_schema(Schema.model_validate(user_schema())),
            Extension.from_schema(Schema.model_validate(enterprise_schema())),
        ],
        resource_types=[ResourceType.model_validate(user_resource_type())],
        policy=POLICY,
    )


PROVIDER = _build_provider()
ScimUser: type[Resource[Any]] = PROVIDER.model_for("User")  # User with the enterprise extension
Enterprise: type[Extension] = ScimUser.get_extension_model(ENTERPRISE_SCHEMA)
# The User as RFC 7643 defines it, core and enterprise; ScimUser publishes the part held here.
StandardUser: type[Resource[Any]] = User[EnterpriseUser]


def service_provider_config(*, location: str) -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description=(
                    "Authorization: Bearer <token>, with a SCIM token HR issues in the admin (Credentials); "
                    "tokens can be revoked there."
                ),
                primary=True,
            )
        ],
        meta=Meta(resource_type="ServiceProviderConfig", location=location),
    )


def discovery_schemas() -> list[Schema]:
    """The schemas of the discovery resources themselves (RFC 7643 §7), which /Schemas lists too."""
    return [model.to_schema() for model in (ServiceProviderConfig, ResourceType, Schema)]
