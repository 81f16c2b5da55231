"""A minimal Django + Django REST framework + SimpleJWT project, as its documentation sets one up.

``python -m tests.peers.simplejwt_app`` migrates a fresh sqlite database, creates an active and an
inactive user, and serves on a free loopback port with waitress.
"""
