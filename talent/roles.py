"""The HR group and what it may configure in the admin."""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from profiles.access import HR_GROUP

# HR configures these apps' data in the admin; apps that arrive later add themselves here.
HR_APPS = ["taxonomy", "profiles", "recommendations", "metrics"]

# The task queue (django-q2) only to look at: a schedule runs whatever function it names, so
# adding or changing schedules and tasks is for superusers (see talent.admin).
HR_TASK_VIEWS = ["view_schedule", "view_success", "view_failure"]


def hr_permissions():
    """Everything on the HR apps, and the task queue's view permissions."""
    return Permission.objects.filter(
        Q(content_type__app_label__in=HR_APPS) | Q(content_type__app_label="django_q", codename__in=HR_TASK_VIEWS)
    )


def hr_group_ensure(**kwargs):
    """Give the HR group exactly ``hr_permissions()`` (idempotent; runs after migrate).

    Set, not added to: a database from before a permission was withdrawn (django-q2's add and
    change, say) loses it on the next migrate.
    """
    group, _ = Group.objects.get_or_create(name=HR_GROUP)
    group.permissions.set(hr_permissions())
    return group
