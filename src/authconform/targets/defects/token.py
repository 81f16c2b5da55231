"""Defects of the issued token and of the protected endpoint: each proves TOKEN-* and ACCESS-* checks.

The Lexik flavours (chamilo, pch-sig) issue and verify RS256 JWTs, so most defects exist there;
Invoice Ninja's token is opaque, so only the defects of the protected endpoint that need no JWT
apply to it. ``breaks`` lists every check a defect fails on a flavour's built-in profile, including
the ones it starves as a side effect (a token signed the wrong way also fails TOKEN-SIGNATURE).
"""

from __future__ import annotations

from authconform.targets.defects import LEXIK, plus, register, same
from authconform.targets.settings import FLAVOURS as ALL

# --- the issued token ---------------------------------------------------------------------------

PADDED_SEGMENTS = register(
    "jwt-base64-padding",
    description="""The token's segments are base64url with their '=' padding kept (a hand-rolled
    encoder calling urlsafe_b64encode without stripping it, and signing what it wrote); the server's
    own decoder tolerates it. The success schemas' JWT pattern refuses it too (login, and refresh on
    pch-sig).""",
    breaks={
        "chamilo": {"TOKEN-STRUCTURE", "LOGIN-OK-SCHEMA"},
        "pch-sig": {"TOKEN-STRUCTURE", "LOGIN-OK-SCHEMA", "REFRESH-OK"},
    },
)

NO_TYP_HEADER = register(
    "no-typ-header",
    description="""The token's header is {"alg":"RS256"} with no typ.""",
    breaks=same(LEXIK, "TOKEN-TYP"),
)

WEAK_HMAC_SECRET = register(
    "weak-hmac-secret",
    description="""The server signs and verifies HS256 with the secret "secret" instead of RS256 with
    its key pair: the token's alg is not the profile's RS256, the profile's public key cannot verify
    it, and the secret is in every list of common JWT secrets.""",
    breaks=same(LEXIK, "TOKEN-ALG-ALLOWED", "TOKEN-SIGNATURE", "TOKEN-WEAK-HMAC-SECRET"),
)

PSYCHIC_SIGNATURE = register(
    "psychic-signature",
    description="""The server signs ES256 with an EC key and checks ECDSA like Java 15-18 before the
    April 2022 patch: a signature with r = 0 or s = 0 verifies any message (CVE-2022-21449). The
    token's alg is not the profile's RS256 and the profile's RSA key cannot verify it.""",
    breaks=same(LEXIK, "ACCESS-ES256-ZERO-SIGNATURE", "TOKEN-ALG-ALLOWED", "TOKEN-SIGNATURE"),
)

NO_EXP_CLAIM = register(
    "no-exp-claim",
    description="""lexik's token_ttl is null: tokens carry no exp and never expire (the verifier
    still refuses a token whose exp, if present, has passed).""",
    breaks=same(LEXIK, "TOKEN-CLAIMS-REQUIRED", "TOKEN-EXP-LIFETIME"),
)

LONG_LIFETIME = register(
    "long-lifetime",
    description="""Tokens live 30 days (token_ttl 2592000) instead of the profile's hour.""",
    breaks=same(LEXIK, "TOKEN-EXP-LIFETIME"),
)

SKEWED_IAT = register(
    "skewed-iat",
    description="""The token issuer's clock runs 10 minutes behind: iat (and exp with it) are 600 s
    early; the verifier keeps the right time, so the tokens still work.""",
    breaks=same(LEXIK, "TOKEN-IAT-NOW"),
)

CLOCK_BEHIND = register(
    "token-clock-2h-behind",
    description="""The JWT library reads a UTC-2 wall clock as UTC when it issues and when it checks
    tokens: a new token's iat is two hours old and its exp an hour past, yet the server itself
    accepts it (every other verifier sees an expired token).""",
    breaks=same(LEXIK, "TOKEN-IAT-NOW", "TOKEN-EXP-FUTURE"),
)

NBF_IN_FUTURE = register(
    "nbf-in-future",
    description="""Tokens carry nbf = iat + 120 s (an "activation delay"); the server's own lexik
    clock_skew of 300 s hides it, every other verifier refuses the new token for two minutes.""",
    breaks=same(LEXIK, "TOKEN-NBF"),
)

PASSWORD_HASH_IN_CLAIMS = register(
    "password-hash-in-claims",
    description="""A JWTCreated listener copies the user's stored password hash into the token as a
    "password" claim, readable by anyone who holds the token.""",
    breaks=same(LEXIK, "TOKEN-FORBIDDEN-CLAIMS"),
)

TOKEN_FOR_WRONG_USER = register(
    "token-for-wrong-user",
    description="""Every token is minted for another account (the disabled one): the identity claim
    names someone else, and the protected endpoint refuses the token (on pch-sig a refreshed token
    too).""",
    breaks={
        "chamilo": {"TOKEN-IDENTITY-CLAIM", "ACCESS-VALID-TOKEN"},
        "pch-sig": {"TOKEN-IDENTITY-CLAIM", "ACCESS-VALID-TOKEN", "REFRESH-OK"},
    },
)

SAME_TOKEN_EVERY_LOGIN = register(
    "same-token-every-login",
    description="""A login hands out the token it issued for that user before (cached until it
    expires) instead of a new one.""",
    breaks=plus(same(ALL, "TOKEN-DISTINCT"), {"invoiceninja": {"TOKEN-ENTROPY"}}),  # opaque: all distinct
)

VALID_TOKEN_REFUSED = register(
    "valid-token-refused",
    description="""The login returns a token it never stores (a swallowed database error), so the API
    answers 403 "Invalid token" to it, and the locked account's token gets "Invalid token" instead of
    "User access locked".""",
    breaks={"invoiceninja": {"ACCESS-VALID-TOKEN", "LOGIN-DISABLED-REFUSED"}},
)

# --- the protected endpoint's verifier -----------------------------------------------------------

ACCEPTS_ALG_NONE = register(
    "accepts-alg-none",
    description="""A token whose header says alg none (any spelling) is taken unsigned; the parser
    still refuses an empty signature segment, so the forgeries that keep a signature get in.""",
    breaks=same(LEXIK, "ACCESS-ALG-NONE"),
)

IGNORES_SIGNATURE = register(
    "ignores-signature",
    description="""The RS256 signature is never checked (the alg must still say RS256): a damaged
    signature, a rewritten payload under the original one, or a token signed with any other RSA key is
    accepted.""",
    breaks=same(LEXIK, "ACCESS-SIGNATURE-STRIPPED", "ACCESS-PAYLOAD-TAMPERED",
                # RS256 tokens signed with the sender's own key (named in jwk, jku or x5u) are taken as well, and a
                # damaged signature is accepted where an expired token is refused:
                "ACCESS-EMBEDDED-JWK", "ACCESS-JKU", "ACCESS-X5U", "TOKEN-CLAIMS-BEFORE-SIGNATURE"),
)

KEY_CONFUSION = register(
    "key-confusion",
    description="""The verifier takes the algorithm from the token's header and uses its one key
    for it: an HS256 token is checked with the public key's PEM text as the HMAC secret
    (CVE-2016-10555).""",
    breaks=same(LEXIK, "ACCESS-KEY-CONFUSION"),
)

KID_INJECTION = register(
    "kid-injection-accepted",
    description="""A kid header names a key file, joined unchecked to the key folder
    (config/jwt): "../../../../../../dev/null" or "/dev/null" reads an empty key, any other readable
    file its content, and an HS256 token signed with what was read verifies.""",
    breaks=same(LEXIK, "ACCESS-KID-INJECTION"),
)

KID_SQL_INJECTION = register(
    "kid-sql-injection",
    description="""The HMAC key is looked up by kid with a concatenated query (SELECT secret FROM
    jwt_keys WHERE kid = '<kid>', SQLite): kid "x' UNION SELECT 'k'--" makes the key "k", and an
    HS256 token signed with "k" verifies.""",
    breaks=same(LEXIK, "ACCESS-KID-INJECTION"),
)

KID_COMMAND_INJECTION = register(
    "kid-command-injection",
    description="""The key file named by kid is read through a shell (cat config/jwt/<kid>): a kid
    with "|sleep 5" makes the answer 5 s late (the target parses the pipe and sleeps, at most 10 s,
    instead of running a shell on network input); the token is still refused.""",
    breaks=same(LEXIK, "ACCESS-KID-INJECTION"),
)

JKU_FOLLOWED = register(
    "jku-followed",
    description="""A token whose header names a jku is verified with the key of that kid from the
    JWKS fetched there (the reference target fetches loopback URLs only): anyone who serves a JWKS
    of their own is accepted.""",
    breaks=same(LEXIK, "ACCESS-JKU"),
)

JKU_FETCHED = register(
    "jku-fetched",
    description="""The verifier refuses the key as unknown, then fetches the URL a token's jku names
    in the background (to warm a key cache), 0.3 s after it answered: the token is refused, but the
    server made a request to a URL the sender chose (loopback URLs only on the reference target).""",
    breaks=same(LEXIK, "ACCESS-JKU"),
)

X5U_FOLLOWED = register(
    "x5u-followed",
    description="""A token whose header names an x5u is verified with the public key of the
    certificate fetched there, never checked against a trust anchor (loopback URLs only on the
    reference target).""",
    breaks=same(LEXIK, "ACCESS-X5U"),
)

EMBEDDED_JWK = register(
    "embedded-jwk-accepted",
    description="""A token whose header carries a jwk is verified with that key (CVE-2018-0114):
    anyone who signs with a key of their own and sends its public half along is accepted.""",
    breaks=same(LEXIK, "ACCESS-EMBEDDED-JWK"),
)

ACCEPTS_EXPIRED = register(
    "accepts-expired",
    description="""exp is never compared with the clock: an expired token is accepted.""",
    breaks=same(LEXIK, "ACCESS-EXPIRED"),
)

NO_WWW_AUTHENTICATE = register(
    "no-www-authenticate",
    description="""The protected endpoint's 401 answers (no token, bad token) carry no
    WWW-Authenticate header (a failure listener rebuilds the response without it).""",
    breaks=same(LEXIK, "ACCESS-WWW-AUTHENTICATE"),
)

NO_TOKEN_ACCEPTED = register(
    "no-token-accepted",
    description="""The protected endpoint lets a request without any credential in (Lexik: no
    access_control rule, so the anonymous user "anon." is served; Invoice Ninja: a request without
    X-API-TOKEN skips the token middleware); a credential that is sent is still checked. On Lexik an
    Authorization header the extractor cannot split ("Bearer ' OR '1'='1") counts as no credential,
    so that garbage token is served too.""",
    breaks={
        "chamilo": {"ACCESS-NO-TOKEN", "ACCESS-GARBAGE-TOKEN"},
        "pch-sig": {"ACCESS-NO-TOKEN", "ACCESS-GARBAGE-TOKEN"},
        "invoiceninja": {"ACCESS-NO-TOKEN"},
    },
)

GARBAGE_TOKEN_500 = register(
    "garbage-token-500",
    description="""A malformed credential crashes the protected endpoint with a bare 500 (debug off):
    on Lexik a bearer value without exactly two dots (Undefined array key 2), on Invoice Ninja a
    token with a quote in it (an SQL syntax error from a concatenated query). On pch-sig the refresh
    token sent as a bearer token crashes too.""",
    breaks={
        "chamilo": {"ACCESS-GARBAGE-TOKEN"},
        "pch-sig": {"ACCESS-GARBAGE-TOKEN", "REFRESH-TOKEN-NOT-BEARER"},
        "invoiceninja": {"ACCESS-GARBAGE-TOKEN"},
    },
)

LAX_AUTH_SCHEME = register(
    "lax-auth-scheme",
    description="""The credential is whatever follows the last space of the header, whatever the
    scheme (Basic, Token, none); Invoice Ninja also reads it from Authorization.""",
    breaks=same(ALL, "ACCESS-WRONG-SCHEME"),
)

TOKEN_IN_QUERY = register(
    "token-in-query-accepted",
    description="""The token is also read from the query string: lexik's query_parameter extractor
    (?bearer=) is switched on; Invoice Ninja reads ?api_token=.""",
    breaks=same(ALL, "ACCESS-TOKEN-IN-QUERY"),
)

LOW_ENTROPY_TOKEN = register(
    "low-entropy-token",
    description="""Invoice Ninja's API token is the company's key prefix, a per-login sequence
    number and Str::random(10) instead of Str::random(64): distinct, but about 60 bits of
    randomness and a counter anyone can read.""",
    breaks={"invoiceninja": {"TOKEN-ENTROPY"}},
)

# --- audience and issuer (pch-sig with the token_audience / token_issuer target options) ---------

AUDIENCE_NOT_CHECKED = register(
    "audience-not-checked",
    description="""With token_audience set, the JWTCreated listener adds aud but no JWTDecoded
    listener checks it: a token for another audience, or with none, is accepted.""",
    breaks={"pch-sig": {"ACCESS-WRONG-AUDIENCE"}},
)

ISSUER_NOT_CHECKED = register(
    "issuer-not-checked",
    description="""With token_issuer set, the JWTCreated listener adds iss but no JWTDecoded
    listener checks it: a token from another issuer, or with none, is accepted.""",
    breaks={"pch-sig": {"ACCESS-WRONG-ISSUER"}},
)

NO_AUD_ISS_CLAIMS = register(
    "no-aud-iss-claims",
    description="""With token_audience and token_issuer set, the JWTCreated listener is not
    registered (tokens carry neither aud nor iss) and the JWTDecoded listener checks each claim only
    when it is present, so a token without them is accepted.""",
    breaks={"pch-sig": {"TOKEN-AUDIENCE", "TOKEN-ISSUER", "ACCESS-WRONG-AUDIENCE", "ACCESS-WRONG-ISSUER"}},
)
