"""Plain forms for the portal pages. Rules live in ``services``; these only parse and label."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from profiles.recording import validate_not_wanted
from taxonomy.validators import LEVEL_MAX, OBSERVED_LEVEL_MIN

from .models import LEVEL_SCALE, SURVEY_SCALE, SkillContest
from .replan import CHOICES
from .selectors import roles_for_goals


class PortalForm(forms.Form):
    """Labels without Django's trailing colon: they read as questions and headings on the page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConfirmLevelForm(PortalForm):
    level = forms.IntegerField(min_value=OBSERVED_LEVEL_MIN, max_value=LEVEL_MAX, widget=forms.HiddenInput)


def _levels_with_anchors(anchors: dict, on_record: int | None = None) -> list[tuple[int, str]]:
    """The 0-4 scale, each level labelled with what it looks like for this skill (when HR wrote it)
    and which one is on record now."""
    choices = []
    for value, label in LEVEL_SCALE:
        label = f"{label} (on record now)" if value == on_record else label
        choices.append((value, f"{label}: {anchors[value]}" if anchors.get(value) else label))
    return choices


class ContestForm(PortalForm):
    claimed_level = forms.TypedChoiceField(
        label="The level I think is right",
        choices=LEVEL_SCALE,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level you think is right."},
    )
    reason = forms.CharField(
        label="Why",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two: what you did that shows this level.",
        error_messages={"required": "Say briefly why the level is wrong, so your manager can judge it."},
    )
    evidence_url = forms.URLField(
        label="Evidence (optional)",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A link to a certificate, a piece of work or a review.",
        error_messages={"invalid": "Enter a full web address, e.g. https://example.com/certificate."},
    )

    def __init__(self, *args, anchors=None, on_record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claimed_level"].choices = _levels_with_anchors(anchors or {}, on_record)


class ContestDecisionForm(PortalForm):
    decision = forms.ChoiceField(
        label="Decision",
        widget=forms.RadioSelect,
        choices=[
            (SkillContest.Status.UPHELD, "Uphold: the claimed level is right"),
            (SkillContest.Status.ADJUSTED, "Adjust: another level is right"),
            (SkillContest.Status.DECLINED, "Decline: the level on record stands"),
        ],
        error_messages={"required": "Choose uphold, adjust or decline."},
    )
    level = forms.TypedChoiceField(
        label="Level (when adjusting)",
        choices=[("", "—"), *LEVEL_SCALE],
        coerce=int,
        required=False,
        empty_value=None,
    )
    note = forms.CharField(
        label="Why",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The employee sees this with the decision; it is kept with the evidence.",
        error_messages={"required": "Say why you decided this way; the employee sees it with the decision."},
    )

    def __init__(self, *args, anchors=None, on_record=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "—"), *_levels_with_anchors(anchors or {}, on_record)]


class AspirationForm(PortalForm):
    target_role = forms.ModelChoiceField(
        label="Role I am aiming for",
        queryset=roles_for_goals(),
        required=False,
        empty_label="No particular role yet",
    )
    interests = forms.CharField(
        label="Interests",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Areas, skills or kinds of work you want to grow into.",
    )
    not_wanted_roles = forms.ModelMultipleChoiceField(
        label="Roles I do not want",
        queryset=roles_for_goals(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="You will not be proposed for these roles' succession benches. "
        "Pick several with Ctrl or Cmd; leave empty if none.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("target_role") and not (data.get("interests") or "").strip():
            raise forms.ValidationError("Name a role, some interests, or both.")
        role = data.get("target_role")
        try:
            validate_not_wanted(
                target_role_id=role.pk if role else None,
                not_wanted_ids=[r.pk for r in data.get("not_wanted_roles") or []],
            )
        except forms.ValidationError as error:
            self.add_error("not_wanted_roles", error.message_dict["not_wanted_roles"])
        return data


class ReflectionForm(PortalForm):
    text = forms.CharField(
        label="Your reflection",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What went well, what you learned, what you want to try. Your manager sees it in your check-in briefing.",
        error_messages={"required": "Write a sentence or two before saving."},
    )


class ManagerNoteForm(PortalForm):
    text = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A quick observation: something done well, something to build on.",
        error_messages={"required": "Write a sentence or two before saving."},
    )


class CheckInForm(PortalForm):
    held_on = forms.DateField(label="Held on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notes = forms.CharField(label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    agreed_actions = forms.CharField(
        label="Agreed actions",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. The next briefing follows them up.",
    )
    manager_prep_saved = forms.TypedChoiceField(
        label="The briefing saved me preparation time",
        help_text="Optional. It tells HR whether briefings help.",
        choices=SURVEY_SCALE,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"held_on": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not (data.get("notes") or "").strip() and not (data.get("agreed_actions") or "").strip():
            raise forms.ValidationError(
                "Write what you talked about or what you agreed, so the next briefing can follow up."
            )
        return data


class RelevanceForm(PortalForm):
    relevance = forms.TypedChoiceField(
        label="The conversation was relevant to my goals",
        choices=SURVEY_SCALE,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={"required": "Choose a number from 1 to 5."},
    )


class FlagForm(PortalForm):
    """``target`` is "gap-<skill id>" or "rec-<recommendation id>"; choices come from the briefing."""

    target = forms.ChoiceField(label="What is wrong", error_messages={"required": "Choose the gap or recommendation."})
    reason = forms.CharField(
        label="Why it is wrong",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E.g. “she already leads these workshops” or “he has the certificate”. HR reviews it; it trains the next model.",
        error_messages={"required": "Say what is wrong, so HR and the next training run can use it."},
    )

    def __init__(self, *args, gaps=(), recommendations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("", "Choose…"),
            *[(f"gap-{gap.skill_id}", f"Gap #{gap.rank}: {gap.skill.name}") for gap in gaps],
            *[(f"rec-{rec.pk}", f"Recommendation: {rec.resource.title}") for rec in recommendations],
        ]


class MentionEvidenceForm(PortalForm):
    level = forms.TypedChoiceField(choices=LEVEL_SCALE, coerce=int)


class ThemeHideForm(PortalForm):
    reason = forms.CharField(max_length=1000, strip=True)


class FeedbackGiveForm(PortalForm):
    """Thanks or feedback to a colleague, picked by id from the search box's suggestions."""

    recipient = forms.IntegerField(
        label="Colleague", widget=forms.HiddenInput, error_messages={"required": "Pick a colleague from the list."}
    )
    text = forms.CharField(
        label="What they did, and what difference it made",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a sentence or two."},
    )

    def __init__(self, *args, giver, **kwargs):
        super().__init__(*args, **kwargs)
        self.giver = giver

    def clean_recipient(self):
        from profiles.models import Employee

        person = Employee.objects.active().filter(pk=self.cleaned_data["recipient"]).first()
        if person is None:
            raise forms.ValidationError("Pick a colleague from the list.")
        if person.pk == self.giver.pk:
            raise forms.ValidationError("Feedback goes to a colleague; for yourself, write a reflection on /me/.")
        return person


class FeedbackRequestForm(PortalForm):
    """Colleagues around the person (their manager, peers, reports) and skills from their gap list."""

    respondents = forms.ModelMultipleChoiceField(
        queryset=None, label="Colleagues to ask (up to eight)", widget=forms.CheckboxSelectMultiple
    )
    skills = forms.ModelMultipleChoiceField(
        queryset=None, label="Skills to ask about", widget=forms.CheckboxSelectMultiple
    )
    due_on = forms.DateField(label="Answers due by", widget=forms.DateInput(attrs={"type": "date"}))
    message = forms.CharField(label="A line to them (optional)", required=False, max_length=2000)

    def __init__(self, *args, colleagues, skills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["respondents"].queryset = colleagues
        self.fields["skills"].queryset = skills
        self.fields["due_on"].initial = timezone.localdate() + timedelta(days=14)


class FeedbackAnswerForm(PortalForm):
    """One level per skill asked about, each choice labelled with its anchor, and a comment."""

    comment = forms.CharField(
        label="What you have seen (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, skills, anchors, **kwargs):
        super().__init__(*args, **kwargs)
        for skill in skills:
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.name,
                choices=_levels_with_anchors(anchors.get(skill.pk, {})),
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a level for {skill.name}."},
            )

    def levels(self) -> dict[int, int]:
        return {int(name[6:]): value for name, value in self.cleaned_data.items() if name.startswith("skill_")}


class DeepReviewForm(PortalForm):
    """A quarterly review's part: a level per skill on its anchors with an optional comment, the
    cycle's questions (the employee's part) and a summary. ``part`` is "self" or "manager"."""

    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, part, ratings, anchors, questions=(), items=None, said=None, other=None, **kwargs):
        """``items`` (``replan.plan_items``): the gaps, picks and goal to give a say on; ``said``
        this side's earlier answers, ``other`` the other side's (the manager sees the employee's)."""
        super().__init__(*args, **kwargs)
        self.part = part
        self.skill_ids = [rating.skill_id for rating in ratings]
        self.questions = list(questions)
        self._plan_fields(items or {"gaps": [], "picks": [], "aspiration": None}, said or {}, other or {})
        for rating in ratings:
            initial = rating.self_level if part == "self" else rating.manager_level
            note = rating.self_note if part == "self" else rating.manager_note
            self.fields[f"skill_{rating.skill_id}"] = forms.TypedChoiceField(
                label=rating.skill.name,
                choices=_levels_with_anchors(anchors.get(rating.skill_id, {})),
                coerce=int,
                initial=initial,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a level for {rating.skill.name}."},
            )
            self.fields[f"note_{rating.skill_id}"] = forms.CharField(
                label=f"Evidence or comment on {rating.skill.name} (optional)",
                required=False,
                max_length=2000,
                initial=note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for number, question in enumerate(self.questions):
            self.fields[f"answer_{number}"] = forms.CharField(
                label=question,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": "Answer each question (a line is enough)."},
            )
        if part == "self":
            self.fields["comment"].label = "Anything else for your manager (optional)"
        else:
            self.fields["comment"].label = "Summary for the employee"
            self.fields["comment"].required = True
            self.fields["comment"].error_messages["required"] = (
                "Write a summary: what went well, what to focus on next quarter."
            )

    def _plan_fields(self, items: dict, said: dict, other: dict) -> None:
        self.items = items
        self.other = other
        for gap in items["gaps"]:
            key = str(gap["skill_id"])
            self.fields[f"gap_{key}"] = forms.ChoiceField(
                label=gap["skill"],
                choices=list(CHOICES.items()),
                initial=said.get("gaps", {}).get(key, "keep"),
                widget=forms.RadioSelect,
                required=False,  # left out: no say on that gap
            )
        for pick in items["picks"]:
            key = str(pick["id"])
            earlier = said.get("picks", {}).get(key, other.get("picks", {}).get(key, True))
            self.fields[f"pick_{key}"] = forms.ChoiceField(
                label=pick["resource"],
                choices=[("yes", "Relevant"), ("no", "Not relevant: dismiss it")],
                initial="yes" if earlier else "no",
                widget=forms.RadioSelect,
                required=False,
            )
        if items["aspiration"] is not None:
            current = items["aspiration"]["role_id"]
            proposed = said.get("aspiration", other.get("aspiration", current))
            self.fields["aspiration"] = forms.ModelChoiceField(
                label="The role I am aiming for" if self.part == "self" else "The role they are aiming for",
                queryset=roles_for_goals(),
                required=False,
                initial=proposed,
                empty_label="No particular role",
                help_text="Confirm it, or choose another: the plan's mobility gaps follow it.",
            )

    def plan(self) -> dict:
        """This side's say on the plan, in ``replan.plan_checked``'s arguments."""
        data = self.cleaned_data
        gaps = {int(g["skill_id"]): data.get(f"gap_{g['skill_id']}") for g in self.items["gaps"]}
        picks = {int(p["id"]): data.get(f"pick_{p['id']}") for p in self.items["picks"]}
        plan = {
            "gaps": {pk: choice for pk, choice in gaps.items() if choice},
            "picks": {pk: answer == "yes" for pk, answer in picks.items() if answer},
        }
        if "aspiration" in self.fields:
            role = data.get("aspiration")
            plan["aspiration"] = role.pk if role else None
        return plan

    def gap_rows(self):
        """(gap, its field, what the other side said) for the template."""
        said = self.other.get("gaps", {})
        return [(g, self[f"gap_{g['skill_id']}"], said.get(str(g["skill_id"]))) for g in self.items["gaps"]]

    def pick_rows(self):
        said = self.other.get("picks", {})
        return [(p, self[f"pick_{p['id']}"], said.get(str(p["id"]))) for p in self.items["picks"]]

    def ratings(self) -> dict[int, tuple[int, str]]:
        data = self.cleaned_data
        return {pk: (data[f"skill_{pk}"], data.get(f"note_{pk}", "")) for pk in self.skill_ids}

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{number}"] for number in range(len(self.questions))]

    def skill_rows(self):
        """(level field, note field) per skill, for the template."""
        return [(self[f"skill_{pk}"], self[f"note_{pk}"]) for pk in self.skill_ids]

    def answer_fields(self):
        return [self[f"answer_{number}"] for number in range(len(self.questions))]
