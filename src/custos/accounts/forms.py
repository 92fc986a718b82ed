"""Forms of the sign-in steps and of user management. They check shape; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from custos.access.roles import Role


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autofocus": True, "pattern": "[0-9 ]*"}))

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit() or len(code) not in (6, 8):
            raise forms.ValidationError(_("Type the 6 digits your app shows."))
        return code


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reason (kept in the audit trail)"))
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name shown to others"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password. Give it to the user "
                    "in person."))
    password_again = forms.CharField(
        label=_("Initial password, again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class RoleAddForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    facility = forms.ModelChoiceField(label=_("Where"), queryset=None, required=False,
                                      empty_label=_("All facilities (national)"))
    reason = ReasonField()

    def __init__(self, *args, facilities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities


class RoleRemoveForm(forms.Form):
    assignment = forms.ModelChoiceField(label=_("Role"), queryset=None)
    reason = ReasonField()

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        label=_("Account"), coerce=lambda v: v == "1",
        choices=[("1", _("Active")), ("0", _("Deactivated"))])
    reason = ReasonField()


class ReasonForm(forms.Form):
    reason = ReasonField()
