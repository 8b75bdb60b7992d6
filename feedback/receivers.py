"""Texts that arrive with other data: a performance review's comment (from the performance
system's file, or the API) is kept as a text and tagged, like a check-in note or a signal.

Connected by importing this module (``FeedbackConfig.ready``).
"""

from django.dispatch import receiver

from profiles.signals import profile_changed

from .mentions import review_comments_record


@receiver(profile_changed, dispatch_uid="feedback.review_comments")
def keep_review_comments(sender, *, employee_ids, what, source, **kwargs):
    if what == "review" and employee_ids:
        review_comments_record(employee_ids=employee_ids)
