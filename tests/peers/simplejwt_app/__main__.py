"""Start the SimpleJWT peer: migrate a fresh sqlite database, create its two users, serve.

The active user logs in; the inactive one (``is_active=False``) has the right password and must
still be refused, as Django's ModelBackend refuses inactive users. It was active once: the refresh
token it got then is announced too (SIMPLEJWT_DISABLED_REFRESH_TOKEN), as an operator would hand
the harness a token of an account disabled since.
"""

from __future__ import annotations

import os
import secrets

from tests.peers import serving


def main() -> None:
    serving.data_dir()
    env = serving.environment({
        "SIMPLEJWT_SECRET_KEY": lambda: secrets.token_urlsafe(48),
        "SIMPLEJWT_USER": lambda: "alice",
        "SIMPLEJWT_PASSWORD": serving.password,
        "SIMPLEJWT_INACTIVE_USER": lambda: "bob",
        "SIMPLEJWT_INACTIVE_PASSWORD": serving.password,
    })
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.peers.simplejwt_app.settings")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from django.contrib.auth import get_user_model
    from django.core.wsgi import get_wsgi_application

    users = get_user_model()
    users.objects.create_user(env["SIMPLEJWT_USER"], password=env["SIMPLEJWT_PASSWORD"])
    inactive = users.objects.create_user(env["SIMPLEJWT_INACTIVE_USER"], password=env["SIMPLEJWT_INACTIVE_PASSWORD"])
    # The inactive user logged in once while still active; its refresh token outlives the deactivation.
    from rest_framework_simplejwt.tokens import RefreshToken

    env["SIMPLEJWT_DISABLED_REFRESH_TOKEN"] = str(RefreshToken.for_user(inactive))
    inactive.is_active = False
    inactive.save()
    serving.serve(get_wsgi_application(), env)


if __name__ == "__main__":
    main()
