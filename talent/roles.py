"""The HR group and what it may configure in the admin."""

from django.contrib.auth.models import Group, Permission

from .access import HR_GROUP

# HR configures these apps' data in the admin; apps that arrive later add themselves here.
HR_APPS = ["taxonomy", "profiles", "recommendations", "metrics", "django_q"]


def hr_group_ensure(**kwargs):
    """Create the HR group with every permission on the HR apps (idempotent; runs after migrate)."""
    group, _ = Group.objects.get_or_create(name=HR_GROUP)
    permissions = Permission.objects.filter(content_type__app_label__in=HR_APPS)
    group.permissions.add(*permissions)
    return group
