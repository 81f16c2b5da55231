"""A minimal Django + Django REST framework + django-rest-knox project, as knox's documentation sets one up.

``python -m tests.peers.knox_app`` migrates a fresh sqlite database, creates an active and an inactive
user, and serves on a free loopback port with waitress.
"""
