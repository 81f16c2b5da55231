"""Settings of the knox peer: DRF with knox's TokenAuthentication as the default, knox's default settings.

Everything a deployment would keep secret comes from the environment that ``__main__`` prepares. Sessions
are installed because the documented login view calls ``django.contrib.auth.login``.
"""

import os
from pathlib import Path

DATA_DIR = Path(os.environ["PEER_DATA_DIR"])

SECRET_KEY = os.environ["KNOX_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.peers.knox_app.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "rest_framework",
    "knox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "db.sqlite3")}}

PASSWORD_HASHERS = ["tests.peers.simplejwt_app.hashers.TestPBKDF2PasswordHasher"]

# knox's documentation: TokenAuthentication for every view, and a login view of its own (views.LoginView)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["knox.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
