"""Reading a JSON request body from an integration (REST API, xAPI, SCIM), hostile ones included.

The three integrations read bodies here, so a body means the same to each and none can fail
on one: anything that is not plain JSON is ``InvalidJson`` (a ``ValueError``), which each answers
as its own 400. Plain JSON here is UTF-8 JSON without:

* NaN or Infinity, which are not JSON, nor a number no float holds (1e400, or 400 digits): it
  would be read as infinity or overflow the first float() that meets it;
* nesting deeper than ``MAX_DEPTH``. The json module recurses per level and raises RecursionError
  near a thousand; what it does read that deep makes the next recursive step (validation,
  ``json.dumps``, the database) fail instead, so the limit is far below that.

The size limit is Django's (``DATA_UPLOAD_MAX_MEMORY_SIZE``, enforced when ``request.body`` is
read); each integration answers its ``RequestDataTooBig`` as a 413 in its own error format.
"""

import json
import math
from typing import Any

MAX_DEPTH = 100  # levels of lists and objects; Ruby's JSON parser has the same default


class InvalidJson(ValueError):
    """The body is not plain JSON (see the module docstring); the message says why."""


def loads(data: bytes | str) -> Any:
    """``data`` decoded as plain JSON; raises ``InvalidJson``."""
    try:
        value = json.loads(
            data,
            parse_constant=_no_constant,
            parse_float=lambda text: float(_fits_a_float(text)),
            parse_int=lambda text: int(_fits_a_float(text)),
        )
    except RecursionError:
        raise InvalidJson(f"it nests lists and objects more than {MAX_DEPTH} deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(str(exc)) from None
    if _nests_deeper_than(value, MAX_DEPTH):
        raise InvalidJson(f"it nests lists and objects more than {MAX_DEPTH} deep")
    return value


def _no_constant(name: str):
    raise InvalidJson(f"{name} is not JSON")


def _fits_a_float(text: str) -> str:
    if math.isinf(float(text)):
        raise InvalidJson(f"the number {text[:20]}... is too large")
    return text


def _nests_deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` has more than ``limit`` levels of lists and objects (found without recursion)."""
    level = [value]
    for _ in range(limit):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return any(isinstance(item, dict | list) for item in level)
