"""Recompute on events: any change to an employee's inputs queues a recompute of that employee;
a taxonomy change recomputes only the people whose current or aspired role it touches."""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from profiles.models import Employee, SkillDemand
from profiles.signals import profile_changed
from taxonomy.models import BehaviouralAnchor, JobFamily, MobilityPath, Role, RoleRequirement, Skill, SkillCategory
from taxonomy.signals import taxonomy_written

from .analysis import shared_bump
from .models import EngineSettings, LearningResource, Opportunity, OpportunitySkill, ResourceSkill
from .tasks import queue_recompute


@receiver(profile_changed, dispatch_uid="recommendations.recompute_on_profile_change")
def recompute_changed_profiles(sender, *, employee_ids, what, source, **kwargs):
    queue_recompute(employee_ids, trigger=f"{what} from {source}")


def people_with_role(role_id):
    return (
        Employee.objects.active()
        .filter(Q(role_id=role_id) | Q(aspirations__target_role_id=role_id))
        .values_list("pk", flat=True)
        .distinct()
    )


@receiver([post_save, post_delete], sender=RoleRequirement, dispatch_uid="recommendations.recompute_on_requirement")
def recompute_role_holders(sender, instance, **kwargs):
    queue_recompute(people_with_role(instance.role_id), trigger=f"requirements of {instance.role} changed")


@receiver([post_save, post_delete], sender=SkillDemand, dispatch_uid="recommendations.recompute_on_demand")
def recompute_unit(sender, instance, **kwargs):
    queue_recompute(
        Employee.objects.active().filter(business_unit_id=instance.business_unit_id).values_list("pk", flat=True),
        trigger=f"skill demand in {instance.business_unit} changed",
    )


# What every analysis and every portal page reads besides the person's own rows.
SHARED_MODELS = (
    SkillCategory,
    Skill,
    BehaviouralAnchor,
    JobFamily,
    Role,
    RoleRequirement,
    MobilityPath,
    SkillDemand,
    Opportunity,
    OpportunitySkill,
    LearningResource,
    ResourceSkill,
    EngineSettings,
)


def shared_changed(sender, **kwargs):
    """The taxonomy, catalogue, opportunities or engine settings changed: processes re-read their
    shared frames (the portal's page cache follows every table by itself: ``core.tableversions``).

    Bumped now, and again once the change commits, so a process that re-read in between reads again;
    once per transaction, not once per row (a catalogue import saves hundreds of rows in one, and
    each bump is a cache write).
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is shared_bump for _, func, _ in connection.run_on_commit):
        return  # bumped already in this transaction, and again when it commits
    shared_bump()
    transaction.on_commit(shared_bump)


for _model in SHARED_MODELS:
    _uid = f"recommendations.shared_changed.{_model._meta.label_lower}"
    post_save.connect(shared_changed, sender=_model, dispatch_uid=_uid)
    post_delete.connect(shared_changed, sender=_model, dispatch_uid=_uid)
taxonomy_written.connect(shared_changed, dispatch_uid="recommendations.shared_changed.taxonomy_import")
