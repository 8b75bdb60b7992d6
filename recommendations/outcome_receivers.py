"""Completions from the LMS close the loop: a learning delivery (xAPI, a file, the API) that
records a completed catalogue item completes the employee's open recommendation of it.

``profile_changed`` carries only employee ids, and is sent after the delivery commits, so the
receiver looks for those employees' completed learning records received in the last hour whose
activity id is a catalogue item with an open recommendation. Each is handed to
``outcomes.learning_completed_from_lms``; a resend finds nothing still open, so it is harmless.

Connected by importing this module (``RecommendationsConfig.ready``).
"""

from datetime import timedelta

from django.dispatch import receiver
from django.utils import timezone

from profiles.models import LearningRecord
from profiles.signals import profile_changed

from .models import Recommendation
from .outcomes import COMPLETED_LEARNING, learning_completed_from_lms

RECENT = timedelta(hours=1)


@receiver(profile_changed, dispatch_uid="recommendations.complete_from_lms")
def complete_recommendations_from_lms(sender, *, employee_ids, what, source, **kwargs):
    if what != "learning" or not employee_ids:
        return
    open_activities = Recommendation.objects.filter(
        employee_id__in=employee_ids, status__in=Recommendation.OPEN, resource__activity_id__isnull=False
    ).values("resource__activity_id")
    records = LearningRecord.objects.filter(
        employee_id__in=employee_ids,
        status__in=COMPLETED_LEARNING,
        received_at__gte=timezone.now() - RECENT,
        activity_id__in=open_activities,
    ).order_by("received_at", "pk")
    for record in records:
        learning_completed_from_lms(learning_record=record)
