"""Creating and updating people from an HR system: hires, moves, reporting-line changes, leavers.

The SCIM server calls these today; the file importer can call them too, so a rule about people
holds whichever way the HR data arrives.

* ``person_upsert`` writes one person as the HR system describes them and returns what it did
  (created / updated / unchanged, and which parts changed), so a route can count it in its
  ``SyncRun`` and send ``profile_changed`` once. Sending the same person twice changes nothing
  the second time.
* An argument left at ``KEEP`` leaves that part of the person as it is, for sources that do not
  carry it (a file without a manager column, a PATCH that does not touch the title).
* The reporting line changes only through ``employee_set_manager`` (org paths stay right, loops
  are refused with a ValidationError on ``manager``).
* A title that names a role of the taxonomy changes the role and appends a ``RoleAssignment``
  (history is never overwritten). A title that names no role leaves the role as it was and comes
  back as a note for the route to record.
* Leaving is a status, never a deletion: the rows stay, ``termination_date`` is when retention
  is measured from, and the person's sign-in account is disabled.
* The sign-in name and e-mail of an account with staff rights are never changed from here:
  whoever controls an account's e-mail can reset its password. That also comes back as a note.
* Nothing here checks *who* is asking, and nothing sends ``profile_changed``: routes do both.
* Uniqueness problems (employee number, user name, e-mail) are ValidationErrors with the code
  ``unique``, so a route can answer 409 for them and 400 for the rest.
"""

from dataclasses import dataclass, field
from datetime import date

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from taxonomy.models import Role

from .models import BusinessUnit, Employee, RoleAssignment
from .recording import Outcome
from .services import employee_set_manager


class _Keep:
    def __repr__(self):
        return "KEEP"


KEEP = _Keep()  # "leave this part of the person as it is"


@dataclass(frozen=True)
class PersonChange:
    employee: Employee
    outcome: Outcome
    changed: frozenset[str] = frozenset()  # e.g. {"name", "email", "account", "role", "manager", "status"}
    notes: tuple[str, ...] = field(default=())  # what was accepted but not applied, in words HR reads

    @property
    def what(self) -> list[str]:
        """The ``profile_changed`` kinds this change stands for."""
        kinds = []
        if "role" in self.changed:
            kinds.append("role")
        if self.changed - {"role"}:
            kinds.append("person")
        return kinds


@transaction.atomic
def person_upsert(
    *,
    external_id: str,
    first_name: str,
    last_name: str,
    source: str,
    employee: Employee | None = None,
    email: str | _Keep = KEEP,
    username: str | _Keep = KEEP,
    title: str | None | _Keep = KEEP,
    department: str | None | _Keep = KEEP,
    manager: Employee | None | _Keep = KEEP,
    active: bool | _Keep = KEEP,
    on_date: date | None = None,
) -> PersonChange:
    """Create or update one person from an HR record.

    1. The person is ``employee`` when given (its employee number may change), else the employee
       with ``external_id``, else a new employee (a hire).
    2. Names, e-mail, employee number and business unit (``department``, by name, created if
       missing) are written, validated with ``full_clean``.
    3. ``title`` is looked up among the roles; a different role appends a ``RoleAssignment``.
    4. ``manager`` moves the person (and their reports) through ``employee_set_manager``.
    5. ``username`` gives the person a sign-in account (or renames theirs): user name, e-mail,
       unusable password, and a verified primary e-mail address for e-mail sign-in.
    6. ``active`` False marks them as left on ``on_date`` (default today); True brings them back.
    """
    on_date = on_date or timezone.localdate()
    if employee is None:
        employee = Employee.objects.select_for_update().filter(external_id=external_id).first()
    created = employee is None
    changed: set[str] = set()
    notes: list[str] = []

    values = {"external_id": external_id, "first_name": first_name, "last_name": last_name}
    if not isinstance(email, _Keep):
        values["email"] = email
    if not isinstance(department, _Keep):
        values["business_unit"] = _business_unit_named(department) if department else None
    if created:
        employee = Employee(**values)
        changed.add("created")
    else:
        for name, value in values.items():
            if getattr(employee, name) != value:
                setattr(employee, name, value)
                changed.add(_part(name))
    role_before = None if created else employee.role
    if not isinstance(title, _Keep):
        role, note = _role_for_title(employee=employee, title=title)
        notes += [note] if note else []
        if role != employee.role:
            employee.role = role
            changed.add("role")
    if created or changed:
        employee.full_clean(exclude=["user", "manager"])
        employee.save()
    if "role" in changed or (created and employee.role_id):
        _role_history_append(employee=employee, old_role=role_before, hire=created, on_date=on_date, source=source)

    if created or (not isinstance(manager, _Keep) and manager != employee.manager):
        employee_set_manager(employee=employee, manager=None if isinstance(manager, _Keep) else manager)
        if not created:
            changed.add("manager")

    linked = False
    if not isinstance(username, _Keep) and username:
        account_changed, linked, note = _account_sync(employee=employee, username=username)
        notes += [note] if note else []
        if account_changed:
            changed.add("account")

    if not isinstance(active, _Keep) and active != (employee.status == Employee.Status.ACTIVE):
        if active:
            person_reactivate(employee=employee)
        else:
            person_deactivate(employee=employee, on_date=on_date)
        changed.add("status")

    if created:
        outcome = Outcome.CREATED
    elif changed:
        # lastModified (and the SCIM version) must move even when only the account changed.
        employee.save(update_fields=["updated_at"])
        outcome = Outcome.UPDATED
    else:
        outcome = Outcome.UNCHANGED
    if linked:
        # SCIM's meta.created is when the account was provisioned; unmodified since, it equals lastModified.
        get_user_model().objects.filter(pk=employee.user_id).update(date_joined=employee.updated_at)
        employee.user.date_joined = employee.updated_at
    return PersonChange(employee=employee, outcome=outcome, changed=frozenset(changed), notes=tuple(notes))


@transaction.atomic
def person_deactivate(*, employee: Employee, on_date: date) -> Employee:
    """Mark ``employee`` as left on ``on_date`` and disable their sign-in. A leaver stays a leaver:

    a second notice keeps the first leaving date.
    """
    if employee.status != Employee.Status.LEFT:
        employee.status = Employee.Status.LEFT
        employee.termination_date = on_date
        employee.full_clean(exclude=["user", "manager"])
        employee.save(update_fields=["status", "termination_date", "updated_at"])
    if employee.user_id and employee.user.is_active:
        employee.user.is_active = False
        employee.user.save(update_fields=["is_active"])
    return employee


@transaction.atomic
def person_reactivate(*, employee: Employee) -> Employee:
    """Bring a leaver back (a rehire, or a leaving reversed): active again, the leaving facts cleared."""
    employee.status = Employee.Status.ACTIVE
    employee.termination_date = None
    employee.voluntary_exit = None
    employee.save(update_fields=["status", "termination_date", "voluntary_exit", "updated_at"])
    if employee.user_id and not employee.user.is_active:
        employee.user.is_active = True
        employee.user.save(update_fields=["is_active"])
    return employee


@transaction.atomic
def person_remove(*, employee: Employee, on_date: date) -> Employee:
    """The HR system deleted the person: they are marked as left and their account is detached.

    No row is deleted (retention is measured from the leaving date, and what they recorded keeps
    its author). The disabled account stays; a rehire under the same user name takes it back.
    """
    person_deactivate(employee=employee, on_date=on_date)
    if employee.user_id:
        # The e-mail is freed for whoever holds it next; a rehire puts it back.
        EmailAddress.objects.filter(user_id=employee.user_id).delete()
        employee.user.email = ""
        employee.user.save(update_fields=["email"])
        employee.user = None
        employee.save(update_fields=["user", "updated_at"])
    return employee


def _part(field_name: str) -> str:
    return {"first_name": "name", "last_name": "name"}.get(field_name, field_name)


def _business_unit_named(name: str) -> BusinessUnit:
    name = name.strip()
    unit = BusinessUnit.objects.filter(name__iexact=name).order_by("pk").first()
    if unit is None:
        unit = BusinessUnit(name=name)
        unit.full_clean()
        unit.save()
    return unit


def _role_for_title(*, employee: Employee, title: str | None) -> tuple[Role | None, str]:
    """The role ``title`` names, and a note for HR when it names none (the role is then kept)."""
    if not title:
        return None, ""
    role = _role_titled(title)
    if role is not None:
        return role, ""
    kept = f"kept as “{employee.role.title}”" if employee.role_id else "left empty"
    return employee.role, f"The title “{title}” matches no role in the taxonomy, so {employee}'s role was {kept}."


def _role_titled(title: str) -> Role | None:
    """The role with exactly this title, else the only one with it in another case."""
    title = title.strip()
    exact = Role.objects.filter(title=title).first()
    if exact is not None:
        return exact
    candidates = list(Role.objects.filter(title__iexact=title)[:2])
    return candidates[0] if len(candidates) == 1 else None


def _role_history_append(*, employee: Employee, old_role: Role | None, hire: bool, on_date: date, source: str) -> None:
    """Close the open assignment and open one for the new role; an emptied role just closes it.

    Moving back to a role the same day reopens that day's assignment (one per role and start date).
    """
    # Row by row rather than update(), so the audit trail sees each assignment close.
    for open_assignment in RoleAssignment.objects.filter(employee=employee, end_date__isnull=True).exclude(
        role=employee.role
    ):
        open_assignment.end_date = on_date
        open_assignment.save(update_fields=["end_date"])
    if employee.role is None:
        return
    if hire:
        kind = RoleAssignment.Kind.HIRE
    elif (
        old_role is not None and old_role.family_id == employee.role.family_id and employee.role.grade > old_role.grade
    ):
        kind = RoleAssignment.Kind.PROMOTION
    else:
        kind = RoleAssignment.Kind.LATERAL
    assignment = RoleAssignment.objects.filter(employee=employee, role=employee.role, start_date=on_date).first()
    if assignment is None:
        assignment = RoleAssignment(
            employee=employee,
            role=employee.role,
            start_date=on_date,
            kind=kind,
            business_unit=employee.business_unit,
            source=source,
        )
    assignment.end_date = None
    assignment.full_clean()
    assignment.save()


def _account_sync(*, employee: Employee, username: str) -> tuple[bool, bool, str]:
    """Give ``employee`` a sign-in account named ``username``; return (changed, newly linked, note for HR).

    The account carries the employee's names and e-mail, an unusable password (people sign in by
    e-mail link or SSO, or set one through password reset) and a verified primary e-mail address.
    A user name already used by someone else's account is refused (code ``unique``); a disabled
    account no employee holds and with no staff rights (a leaver's) is taken back on a rehire.
    """
    User = get_user_model()
    username = username.strip()
    taken = User.objects.filter(username__iexact=username).exclude(pk=employee.user_id).first()
    user = employee.user
    if taken is not None:
        adoptable = (
            user is None
            and not taken.is_active
            and not taken.is_staff
            and not taken.is_superuser
            and not Employee.objects.filter(user=taken).exists()
        )
        if not adoptable:
            raise ValidationError(
                {
                    "username": ValidationError(
                        f"The user name {username} already belongs to another account.", code="unique"
                    )
                }
            )
        user = taken
    if user is not None and (user.is_staff or user.is_superuser):
        # Whoever controls an account's e-mail can reset its password: an HR feed must not be able
        # to take over an account with admin rights. Staff change their own sign-in in the admin.
        if (user.username, user.email) == (username, employee.email):
            return False, False, ""
        return (
            False,
            False,
            (
                f"{employee}'s account has staff rights, so its user name and e-mail were left as they are "
                f"({user.username}); change them in the admin."
            ),
        )
    linked = employee.user_id is None
    if user is None:
        user = User()
        user.set_unusable_password()
    wanted = {
        "username": username,
        "email": employee.email,
        "first_name": employee.first_name[:150],
        "last_name": employee.last_name[:150],
    }
    if linked:
        wanted["is_active"] = employee.status == Employee.Status.ACTIVE
    changed = user.pk is None or any(getattr(user, name) != value for name, value in wanted.items())
    if changed:
        for name, value in wanted.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save()
    if linked:
        employee.user = user
        employee.save(update_fields=["user", "updated_at"])
    return _email_address_sync(user=user, email=employee.email) or changed or linked, linked, ""


def _email_address_sync(*, user, email: str) -> bool:
    """Make ``email`` the account's verified primary address (allauth signs in with it)."""
    email = email.strip().lower()
    primary = EmailAddress.objects.filter(user=user, primary=True).first()
    if not email:
        if primary is None:
            return False
        primary.delete()
        return True
    if primary is not None and primary.email == email and primary.verified:
        return False
    if EmailAddress.objects.filter(email__iexact=email, verified=True).exclude(user=user).exists():
        raise ValidationError(
            {"email": ValidationError(f"The e-mail address {email} already belongs to another account.", code="unique")}
        )
    EmailAddress.objects.filter(user=user, email__iexact=email).exclude(pk=getattr(primary, "pk", None)).delete()
    if primary is None:
        primary = EmailAddress(user=user, primary=True)
    primary.email, primary.verified = email, True
    primary.full_clean(exclude=["user"])
    primary.save()
    return True
