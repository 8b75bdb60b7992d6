"""The xAPI statements resource the LMS pushes learning into: ``/xapi/statements`` (an LRS subset).

Choices, and why:

* Authentication is HTTP basic with a credential from ``credential_issue(kind="xapi", ...)``:
  user name = ``credential.key``, password = the secret. Anything else is 401 with
  ``WWW-Authenticate: Basic``.
* Requests must send ``X-Experience-API-Version: 1.0.x``; every response sends ``1.0.3``.
* **An actor no employee matches is stored and acknowledged (200 with its id), with no learning
  record.** The xAPI spec has an LRS store statements it cannot interpret, and an LMS told 400
  would resend the statement forever. So that HR can fix the HR data, the call's ``SyncRun`` gets
  a ``SyncRejection`` saying why ("no employee with e-mail x") and its status is "partial".
* An invalid statement (actor, verb or object missing; a bad UUID, timestamp or duration;
  ``result.score.scaled`` outside [-1, 1]) is 400 with ``{"error": "<reason naming the field>"}``
  and nothing is stored; a list is all or nothing. So is a body that is not plain JSON
  (``profiles.safe_json``: too deep, NaN, a number no float holds); a body over Django's upload
  limit is 413. Each refusal is still recorded as a failed ``SyncRun``.
* A statement id seen before is not stored twice: the same content again is a no-op (PUT 204,
  POST lists the id again); different content under that id is 409.
* A credential reads back only the statements it sent: one LMS cannot read another's learners.
* Not implemented: voiding, attachments, the agent/activity/registration query filters, and the
  state, activity-profile and agent-profile resources.
"""

import base64
import binascii
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from profiles import safe_json
from profiles.credentials import credential_verify
from profiles.models import Credential, XapiStatement

from .services import StatementConflict, delivery_refuse, statement_for_output, statements_receive
from .statements import StatementError, parse_timestamp

XAPI_VERSION = "1.0.3"
LIST_LIMIT_MAX = 500
OFFSET_MAX = 10**9


def _response(body=None, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(status=status) if body is None else JsonResponse(body, status=status, safe=False)
    response["X-Experience-API-Version"] = XAPI_VERSION
    return response


def _error(message: str, *, status: int = 400) -> HttpResponse:
    return _response({"error": message}, status=status)


def _credential(request) -> Credential | None:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        key, separator, secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not separator:
        return None
    return credential_verify(kind=Credential.Kind.XAPI, key=key, secret=secret)


def about(request):
    return _response({"version": [XAPI_VERSION]})


@csrf_exempt
def statements(request):
    credential = _credential(request)
    if credential is None:
        response = _error(
            "Authentication required: HTTP basic with the xAPI key (user name) and secret HR issued to this LMS.",
            status=401,
        )
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
        return response
    version = request.headers.get("X-Experience-API-Version", "")
    if not re.match(r"^1\.0(\.\d+)?$", version):
        return _error(f"X-Experience-API-Version header: send 1.0.x (this LRS speaks {XAPI_VERSION}), got {version!r}.")
    if request.method == "GET":
        return _get(request, credential)
    if request.method in ("PUT", "POST"):
        return _store(request, credential)
    response = _error(f"{request.method} is not allowed on statements; use GET, PUT or POST.", status=405)
    response["Allow"] = "GET, PUT, POST"
    return response


def _statement_id(request) -> uuid.UUID | None:
    """The ``statementId`` query parameter, or None; raises StatementError if it is not a UUID."""
    value = request.GET.get("statementId")
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise StatementError(f"statementId: {value!r} is not a UUID.") from None


def _store(request, credential: Credential) -> HttpResponse:
    try:
        statement_id = _statement_id(request)
    except StatementError as error:
        return _error(str(error))
    if request.method == "PUT" and statement_id is None:
        return _error("statementId: PUT needs the statement's id as the statementId query parameter.")
    try:
        payload = safe_json.loads(request.body)
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _refuse(credential, f"The request body is larger than {limit} bytes; send fewer statements.", status=413)
    except safe_json.InvalidJson as error:
        return _refuse(credential, f"The request body is not valid JSON: {error}.")
    if request.method == "PUT" and not isinstance(payload, dict):
        return _refuse(credential, "PUT takes one statement (a JSON object); POST a list to send several.")
    try:
        delivery = statements_receive(payload=payload, credential=credential, statement_id=statement_id)
    except StatementError as error:
        return _error(str(error))
    except StatementConflict as error:
        return _error(str(error), status=409)
    if request.method == "PUT":
        return _response(status=204)
    return _response([str(statement_id) for statement_id in delivery.ids])


def _refuse(credential: Credential, message: str, *, status: int = 400) -> HttpResponse:
    delivery_refuse(credential=credential, received=0, error=message)
    return _error(message, status=status)


def _get(request, credential: Credential) -> HttpResponse:
    authority_home = request.build_absolute_uri("/")
    try:
        statement_id = _statement_id(request)
        since = parse_timestamp(request.GET["since"], where="since") if "since" in request.GET else None
    except StatementError as error:
        return _error(str(error))
    rows = XapiStatement.objects.filter(credential=credential).select_related("credential")
    if statement_id is not None:
        row = rows.filter(pk=statement_id).first()
        if row is None:
            return _error(f"No statement {statement_id} sent with this credential.", status=404)
        return _consistent(_response(statement_for_output(row, authority_home=authority_home)))

    try:
        limit = int(request.GET.get("limit", LIST_LIMIT_MAX))
        offset = int(request.GET.get("offset", 0))
        if limit < 0 or not 0 <= offset <= OFFSET_MAX:
            raise ValueError
    except ValueError:
        return _error(
            f"limit and offset must be whole numbers, 0 or more (limit 0 means as many as allowed; offset at most {OFFSET_MAX})."
        )
    limit = min(limit or LIST_LIMIT_MAX, LIST_LIMIT_MAX)
    if "verb" in request.GET:
        rows = rows.filter(statement__verb__id=request.GET["verb"])
    if since is not None:
        rows = rows.filter(stored_at__gt=since)
    page = list(rows.order_by("-stored_at", "pk")[offset : offset + limit + 1])
    more = ""
    if len(page) > limit:
        page = page[:limit]
        query = request.GET.copy()
        query["offset"] = str(offset + limit)
        more = f"{request.path}?{query.urlencode()}"
    body = {"statements": [statement_for_output(row, authority_home=authority_home) for row in page], "more": more}
    return _consistent(_response(body))


def _consistent(response: HttpResponse) -> HttpResponse:
    # Writes are visible as soon as they commit, so reads are consistent up to now.
    response["X-Experience-API-Consistent-Through"] = timezone.now().isoformat()
    return response
