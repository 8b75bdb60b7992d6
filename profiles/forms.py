"""Forms of the profiles app."""

from django import forms
from django.core.validators import FileExtensionValidator

from .importing import KINDS


class DataUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[(name, kind.label) for name, kind in KINDS.items()],
        help_text="Each kind has its own columns: start from its template (CSV or Excel), a header and one example row.",
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label="CSV or Excel file",
        validators=[FileExtensionValidator(["csv", "xlsx"], message="Upload a .csv (UTF-8) or .xlsx file.")],
        help_text="CSV saved as UTF-8, or an Excel workbook (.xlsx; its first sheet is read). The first row names the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
