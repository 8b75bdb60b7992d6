"""Recompute on events: any change to an employee's inputs queues a recompute of that employee;
a taxonomy change recomputes only the people whose current or aspired role it touches."""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from profiles.models import Employee, SkillDemand
from profiles.signals import profile_changed
from taxonomy.models import MobilityPath, RoleRequirement

from .analysis import shared_bump
from .models import Opportunity, OpportunitySkill
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


@receiver([post_save, post_delete], sender=RoleRequirement, dispatch_uid="recommendations.stale_shared_requirement")
@receiver([post_save, post_delete], sender=MobilityPath, dispatch_uid="recommendations.stale_shared_mobility")
@receiver([post_save, post_delete], sender=SkillDemand, dispatch_uid="recommendations.stale_shared_demand")
@receiver([post_save, post_delete], sender=Opportunity, dispatch_uid="recommendations.stale_shared_opportunity")
@receiver(
    [post_save, post_delete], sender=OpportunitySkill, dispatch_uid="recommendations.stale_shared_opportunity_skill"
)
def taxonomy_changed(sender, **kwargs):
    shared_bump()
