from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation (``seed_demo``): installed for development, tests and benchmarks only
    (``DEMO``, on with ``DEBUG``), never in a production install."""

    name = "demo"
    verbose_name = "Demo organisation"
