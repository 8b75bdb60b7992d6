"""django-q2's admin pages, changed by superusers only.

A schedule runs whatever function it names with whatever arguments it holds, and resubmitting a
task runs it again, so only superusers add, change, delete or resubmit; HR may look (its group has
the view permissions, see ``talent.roles``). A schedule must also name one of this project's task
functions (``talent.task_allowlist``), which the worker checks again when it runs.
"""

from django import forms
from django.contrib import admin
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success

from .task_allowlist import allowed_tasks, refusal


class SuperusersChangeOnly:
    """Mixed into each django-q2 admin: whatever it allowed, only a superuser may write."""

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.action(description="Resubmit selected tasks to queue", permissions=["change"])
def resubmit_task(modeladmin, request, queryset):
    """django-q2's own action, offered only to those who may change tasks (superusers)."""
    q_admin.resubmit_task(modeladmin, request, queryset)


class ScheduleForm(forms.ModelForm):
    """The admin's schedule form (it supplies the model and fields), checking what will run."""

    def clean_func(self):
        func = self.cleaned_data["func"]
        if func not in allowed_tasks():
            raise forms.ValidationError(f"{refusal(func)} Choose one of: {', '.join(sorted(allowed_tasks()))}.")
        return func

    def clean_hook(self):
        hook = self.cleaned_data["hook"]
        if hook:
            raise forms.ValidationError("This project's tasks use no result hook: leave it empty.")
        return hook


class ScheduleAdmin(SuperusersChangeOnly, q_admin.ScheduleAdmin):
    form = ScheduleForm


class SuccessAdmin(SuperusersChangeOnly, q_admin.TaskAdmin):
    actions = [resubmit_task]


class FailureAdmin(SuperusersChangeOnly, q_admin.FailAdmin):
    actions = [resubmit_task]


class QueueAdmin(SuperusersChangeOnly, q_admin.QueueAdmin):
    pass


for model, model_admin in [
    (Schedule, ScheduleAdmin),
    (Success, SuccessAdmin),
    (Failure, FailureAdmin),
    (OrmQ, QueueAdmin),
]:
    if admin.site.is_registered(model):  # django-q2 registers OrmQ only with the ORM broker
        admin.site.unregister(model)
        admin.site.register(model, model_admin)


# The admin index lists apps alphabetically, which put django-q2's task tables first. HR works
# in these, in the order data flows; the technical apps (accounts, audit log, tasks) follow.
HR_APPS_FIRST = ["taxonomy", "profiles", "recommendations", "feedback", "metrics"]
_alphabetical_app_list = admin.site.get_app_list


def _hr_apps_first(request, app_label=None):
    apps = _alphabetical_app_list(request, app_label)
    rank = {label: number for number, label in enumerate(HR_APPS_FIRST)}
    return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))  # stable: the rest stay A-Z


admin.site.get_app_list = _hr_apps_first
