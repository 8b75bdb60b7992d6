from allauth.account.adapter import DefaultAccountAdapter


class NoSignupAccountAdapter(DefaultAccountAdapter):
    """People are provisioned from the HR system (SCIM, imports), never by open sign-up."""

    def is_open_for_signup(self, request):
        return False
