"""Start the knox peer: migrate a fresh sqlite database, create its two users, serve.

The active user logs in; the inactive one (``is_active=False``) has the right password and must still
be refused, as Django's ModelBackend refuses inactive users.
"""

from __future__ import annotations

import os
import secrets

from tests.peers import serving


def main() -> None:
    serving.data_dir()
    env = serving.environment({
        "KNOX_SECRET_KEY": lambda: secrets.token_urlsafe(48),
        "KNOX_USER": lambda: "alice",
        "KNOX_PASSWORD": serving.password,
        "KNOX_INACTIVE_USER": lambda: "bob",
        "KNOX_INACTIVE_PASSWORD": serving.password,
    })
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.peers.knox_app.settings")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application

    users = get_user_model()
    users.objects.create_user(env["KNOX_USER"], password=env["KNOX_PASSWORD"])
    users.objects.create_user(env["KNOX_INACTIVE_USER"], password=env["KNOX_INACTIVE_PASSWORD"], is_active=False)
    serving.serve(get_wsgi_application(), env)


if __name__ == "__main__":
    main()
