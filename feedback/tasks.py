"""django-q2 entry points of the feedback app: thin wrappers that take ids and call a service."""

from django.db import transaction


def text_tag(text_id: int) -> int:
    """Tag one text against the current taxonomy; returns how many mentions it has."""
    from .mentions import text_tag as tag
    from .models import Text

    text = Text.objects.filter(pk=text_id).first()
    if text is None:  # erased before the worker got to it
        return 0
    return len(tag(text=text))


def queue_text_tag(text_id: int) -> None:
    """Queue the tagging of one text once the current transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("feedback.tasks.text_tag", text_id, task_name=f"tag text {text_id}"))


def texts_tag(text_ids: list[int]) -> int:
    """Tag many texts at once (a file of review comments); returns how many mentions were written."""
    from .mentions import texts_tag as tag

    return tag(text_ids=text_ids)


def queue_texts_tag(text_ids: list[int]) -> None:
    """Queue the tagging of these texts once the current transaction commits."""
    from django_q.tasks import async_task

    ids = list(text_ids)
    transaction.on_commit(lambda: async_task("feedback.tasks.texts_tag", ids, task_name=f"tag {len(ids)} texts"))


def themes_nightly() -> int:
    """Recompute everyone's recurring themes (scheduled nightly by setup_schedules)."""
    from .themes import themes_compute

    return themes_compute()


def themes_for_employee(employee_id: int) -> int:
    """Recompute one person's themes (and their team's) on demand."""
    from .themes import themes_compute

    return themes_compute(employee_ids=[employee_id])


def feedback_reminders() -> int:
    """E-mail colleagues whose 360 answer is due within three days (scheduled daily)."""
    from .peer import feedback_remind

    return feedback_remind()


def review_replan(review_id: int) -> int | None:
    """After a deep review closed: recompute the person (the one-employee recompute) and keep the
    recalculated plan on the review, for the page's comparison. Returns the analysis run."""
    from recommendations.tasks import recompute_employees

    from .models import DeepReview
    from .replan import plan_after_record

    review = DeepReview.objects.filter(pk=review_id).first()
    if review is None:  # erased before the worker got to it
        return None
    run_id = recompute_employees([review.employee_id], trigger=f"quarterly review #{review_id}")
    plan_after_record(review=review)
    return run_id


def queue_review_replan(review_id: int) -> None:
    """Queue ``review_replan`` once the closing transaction commits."""
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task("feedback.tasks.review_replan", review_id, task_name=f"replan after review {review_id}")
    )


def deep_reviews_open() -> str:
    """Open the period's deep reviews for everyone who has none (scheduled daily by setup_schedules)."""
    from .cadence_tasks import deep_reviews_open_due

    done = deep_reviews_open_due()
    return f"{done['cycle']}: {done['opened']} opened" + (" (cycle created)" if done["created"] else "")


def manager_digests() -> int:
    """E-mail each manager what is due for their team (scheduled weekly by setup_schedules)."""
    from .cadence_tasks import manager_digests_send

    return manager_digests_send()
