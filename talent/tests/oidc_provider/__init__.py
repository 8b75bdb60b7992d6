"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit in OIDC mode.

It is a Django project of its own (``settings``), started by ``talent/tests/test_sso.py`` as a
server process on loopback with its own SQLite database; the platform signs people in against it
exactly as against Okta or Entra ID: discovery, authorization code with PKCE, token exchange,
ID-token signature checked against its published keys.
"""
