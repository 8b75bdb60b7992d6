"""Who may *write* what, on top of ``profiles.access`` (who may see whom).

Reading follows ``may_see`` alone. Writing narrows it:

* a performance review: the employee's managers (anyone above them) or HR, never the employee;
* a career aspiration: anyone who may see the employee (themselves, their managers, HR);
* skill evidence: the employee with source "self", their managers with source "manager",
  HR with any source.

Callers check ``may_see`` first (an employee the caller may not see is answered as if unknown).
"""

from ..access import is_hr, is_self, manages, may_see
from ..models import EvidenceSource


def may_submit_review(user, employee) -> bool:
    return may_see(user, employee) and not is_self(user, employee)


def may_state_aspiration(user, employee) -> bool:
    return may_see(user, employee)


def evidence_sources_allowed(user, employee) -> set[str]:
    if is_hr(user):
        return set(EvidenceSource.values)
    allowed = set()
    if is_self(user, employee):
        allowed.add(EvidenceSource.SELF.value)
    if manages(user, employee):
        allowed.add(EvidenceSource.MANAGER.value)
    return allowed
