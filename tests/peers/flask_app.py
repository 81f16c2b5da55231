"""A Flask + flask-jwt-extended login API in the shape that extension's documentation shows.

RS256 with a key pair made with ``cryptography`` at start-up (written beside the server's data, so a
test deployment's profile can verify tokens and sign expired ones); passwords hashed with werkzeug's
``generate_password_hash``; an active and a disabled user. The login view follows the documented
pattern (``{"msg": ...}`` errors, ``access_token``/``refresh_token`` in the body); the refresh view
takes the refresh token from the JSON body (``jwt_required(refresh=True, locations=["json"])``);
``/protected`` is the documented protected view. Everything else is the extension's default
behaviour, error statuses included.

``python -m tests.peers.flask_app`` serves it on a free loopback port (see ``serving``).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request
from flask_jwt_extended import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    get_jwt_identity,
    jwt_required,
)
from werkzeug.security import check_password_hash, generate_password_hash

# werkzeug's PBKDF2-SHA256, at fewer iterations than its default so a test run stays quick.
HASH_METHOD = "pbkdf2:sha256:20000"


def write_key_pair(folder: Path) -> tuple[Path, Path]:
    """A fresh 2048-bit RSA key pair as PEM files: (private, public)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "flask-jwt-private.pem"
    public = folder / "flask-jwt-public.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def create_app(private_key: str, public_key: str, users: dict[str, tuple[str, bool]]) -> Flask:
    """The app; ``users`` maps a username to (password, active)."""
    app = Flask(__name__)
    app.config["JWT_ALGORITHM"] = "RS256"
    app.config["JWT_PRIVATE_KEY"] = private_key
    app.config["JWT_PUBLIC_KEY"] = public_key
    jwt = JWTManager(app)
    accounts = {name: (generate_password_hash(pw, method=HASH_METHOD), active)
                for name, (pw, active) in users.items()}
    # An unknown user's password is still checked against a hash, so both refusals take as long.
    dummy_hash = generate_password_hash("authconform-peer-dummy", method=HASH_METHOD)

    @jwt.user_lookup_loader
    def load_user(_header, payload):
        """A token whose user is gone or disabled stops working (the documented automatic user loading)."""
        account = accounts.get(payload["sub"])
        return payload["sub"] if account and account[1] else None

    @app.route("/login", methods=["POST"])
    def login():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify({"msg": "Missing JSON in request"}), 400
        username = body.get("username")
        password = body.get("password")
        if not isinstance(username, str) or not username:
            return jsonify({"msg": "Missing username parameter"}), 400
        if not isinstance(password, str) or not password:
            return jsonify({"msg": "Missing password parameter"}), 400
        stored, active = accounts.get(username, (dummy_hash, False))
        if not check_password_hash(stored, password) or not active:
            return jsonify({"msg": "Bad username or password"}), 401
        return jsonify(access_token=create_access_token(identity=username),
                       refresh_token=create_refresh_token(identity=username))

    @app.route("/refresh", methods=["POST"])
    @jwt_required(refresh=True, locations=["json"])
    def refresh():
        return jsonify(access_token=create_access_token(identity=get_jwt_identity()))

    @app.route("/protected", methods=["GET"])
    @jwt_required()
    def protected():
        return jsonify(logged_in_as=get_jwt_identity())

    return app


def main() -> None:
    from tests.peers import serving

    folder = Path(serving.data_dir())
    private, public = write_key_pair(folder)
    env = serving.environment({
        "FLASK_JWT_USER": lambda: "alice",
        "FLASK_JWT_PASSWORD": serving.password,
        "FLASK_JWT_DISABLED_USER": lambda: "dave",
        "FLASK_JWT_DISABLED_PASSWORD": serving.password,
        "FLASK_JWT_PUBLIC_KEY": lambda: str(public),
        "FLASK_JWT_PRIVATE_KEY": lambda: str(private),
    })
    app = create_app(
        Path(env["FLASK_JWT_PRIVATE_KEY"]).read_text(), Path(env["FLASK_JWT_PUBLIC_KEY"]).read_text(),
        {env["FLASK_JWT_USER"]: (env["FLASK_JWT_PASSWORD"], True),
         env["FLASK_JWT_DISABLED_USER"]: (env["FLASK_JWT_DISABLED_PASSWORD"], False)},
    )
    # The disabled user logged in once before it was disabled: its refresh token outlives that.
    with app.app_context():
        env["FLASK_JWT_DISABLED_REFRESH_TOKEN"] = create_refresh_token(identity=env["FLASK_JWT_DISABLED_USER"])
    serving.serve(app, env)


if __name__ == "__main__":
    os.environ.setdefault("FLASK_DEBUG", "0")
    main()
