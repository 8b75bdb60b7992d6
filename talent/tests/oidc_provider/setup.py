"""Run inside the provider's settings: its users and the platform's client registration.

``python -m talent.tests.oidc_provider.setup CLIENT_ID CLIENT_SECRET REDIRECT_URI`` then one
``email:password`` argument per person who has an account at the provider.
"""

import sys

import django


def main(client_id, client_secret, redirect_uri, *people):
    django.setup()
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for person in people:
        email, password = person.split(":", 1)
        User.objects.create_user(username=email, email=email, password=password)
    Application.objects.create(
        name="Talent platform",
        client_id=client_id,
        client_secret=client_secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
