"""Completions from the LMS close the loop: a learning delivery (xAPI, a file, the API) that
records a completed catalogue item completes the employee's open recommendation of it.

``profile_changed`` carries only employee ids, and is sent after the delivery commits, so the
receiver looks for those employees' completed learning records received in the last hour whose
activity id is a catalogue item with an open recommendation, and completes them all at once
(``outcomes.lms_completions_apply``: a file of a million records is one set of queries, not one
per record); a resend finds nothing still open, so it is harmless.

Connected by importing this module (``RecommendationsConfig.ready``).
"""

from datetime import timedelta

from django.dispatch import receiver
from django.utils import timezone

from profiles.signals import profile_changed

from .outcomes import lms_completions_apply

RECENT = timedelta(hours=1)


@receiver(profile_changed, dispatch_uid="recommendations.complete_from_lms")
def complete_recommendations_from_lms(sender, *, employee_ids, what, source, **kwargs):
    if what != "learning" or not employee_ids:
        return
    lms_completions_apply(employee_ids=employee_ids, received_since=timezone.now() - RECENT)
