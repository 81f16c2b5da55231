"""The bodies Invoice Ninja's transformers build: a CompanyUser tree, list pagination, static data.

Kept apart from the server logic in invoiceninja.py: this is data, shaped as
CompanyUserTransformer and its includes (account, user, token, company) emit it.
"""

from __future__ import annotations

import time
from typing import Any

from authconform.targets.accounts import Account

_TIMESTAMP = 1_700_000_000


def pagination(total: int) -> dict[str, Any]:
    """Fractal's ``meta`` for one page of ``total`` items."""
    return {
        "pagination": {
            "total": total,
            "count": total,
            "per_page": 20,
            "current_page": 1,
            "total_pages": 1 if total else 0,
            "links": [],
        }
    }


def company_user(account: Account, token: str) -> dict[str, Any]:
    """CompanyUserTransformer with the account, user, token and company includes."""
    details = account.details
    owner = bool(details["is_owner"])
    settings = {"accent_color": "#2F7DC3", "table_columns": {}, "react_table_columns": {}}
    company_user_fields = {
        "permissions": "" if owner else "view_client,view_invoice",
        "notifications": {"email": ["all_notifications"] if owner else []},
        "settings": settings,
        "react_settings": {},
        "is_owner": owner,
        "is_admin": owner,
        "is_locked": not account.enabled,
        "updated_at": _TIMESTAMP,
        "archived_at": 0,
        "created_at": _TIMESTAMP,
        "permissions_updated_at": _TIMESTAMP,
        "ninja_portal_url": "",
    }
    user = {
        "id": details["hashed_id"],
        "first_name": details["first_name"],
        "last_name": details["last_name"],
        "email": account.identity,
        "last_login": int(time.time()),
        "created_at": _TIMESTAMP,
        "updated_at": _TIMESTAMP,
        "archived_at": 0,
        "is_deleted": False,
        "phone": "",
        "email_verified_at": _TIMESTAMP,
        "signature": "",
        "custom_value1": "",
        "custom_value2": "",
        "custom_value3": "",
        "custom_value4": "",
        "oauth_provider_id": "",
        "last_confirmed_email_address": "",
        "google_2fa_secret": False,
        "has_password": True,
        "oauth_user_token": "",
        "verified_phone_number": False,
        "language_id": "",
        "user_logged_in_notification": True,
    }
    return {
        **company_user_fields,
        "account": {
            "id": "VolejRejNm",
            "key": "zg4ylmzdxyrodt3wm9pibqyaeohmxhcy",
            "default_company_id": "kQBeX78dyK",
            "plan": "",
            "plan_expires": "",
            "is_hosted": False,
            "is_docker": False,
            "set_react_as_default_ap": True,
            "created_at": _TIMESTAMP,
            "updated_at": _TIMESTAMP,
        },
        "user": user,
        "token": {
            "id": details["hashed_id"],
            "user_id": details["hashed_id"],
            "token": token,
            "name": "Demo Token" if owner else "Locked Token",
            "is_system": True,
            "created_at": _TIMESTAMP,
            "updated_at": _TIMESTAMP,
            "archived_at": 0,
            "is_deleted": False,
        },
        "company": {
            "id": "kQBeX78dyK",
            "company_key": "vlyh36bobfixnoyxdd6jkahdfwdse77glu5pgbjwqlurraqpphx3zdoce5batvx2",
            "update_products": True,
            "subdomain": "",
            "portal_mode": "domain",
            "portal_domain": "http://ninja.test:8000",
            "settings": {"name": "Demo Company", "currency_id": "1", "country_id": "840", "timezone_id": "1"},
            "documents": [],
            "users": [],
            "designs": [],
            "clients": [],
            "invoices": [],
        },
    }


STATIC = {
    "currencies": [{"id": "1", "name": "US Dollar", "code": "USD", "symbol": "$", "precision": 2}],
    "countries": [{"id": "840", "name": "United States", "iso_3166_2": "US", "iso_3166_3": "USA"}],
    "languages": [{"id": "1", "name": "English - United States", "locale": "en"}],
    "timezones": [{"id": "1", "name": "Pacific/Midway", "location": "(GMT-11:00) Midway Island"}],
    "date_formats": [
        {"id": "1", "format": "d/M/Y", "format_moment": "DD/MMM/YYYY", "format_dart": "dd/MMM/yyyy"}
    ],
    "payment_terms": [{"num_days": 0, "name": "Net 0"}],
}
