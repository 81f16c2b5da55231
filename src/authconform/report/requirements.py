"""Requirement strings to public URLs, so every finding in a report links to the rule it enforces.

A check's requirement is a short human string, several joined with ``;``:
``RFC 7519 §4.1.4``, ``RFC7519-4.1.4``, ``OWASP ASVS 4.0.3 V7.1.1``, ``OWASP-AUTH-ERR-1`` or
``profile login.errors.bad_credentials``. :func:`references` splits it and gives each part the
page a reviewer would open: the RFC section on rfc-editor.org, the ASVS chapter on GitHub (at the
release tag, with the section's heading anchor), the OWASP cheat sheet section, or the README
section that documents the profile field. Unknown forms keep their text and get no link.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from dataclasses import dataclass

RFC_URL = "https://www.rfc-editor.org/rfc/rfc{number}"
ASVS4_URL = "https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/{file}"
ASVS5_URL = "https://github.com/OWASP/ASVS/tree/v5.0.0/5.0/en"
AUTH_CHEAT_SHEET = "https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html"
README_PROFILE_ANCHOR = "writing-a-profile"

# ASVS 4.0.3 chapter files, by chapter number (tag v4.0.3, folder 4.0/en).
ASVS4_CHAPTERS = {
    1: "0x10-V1-Architecture.md",
    2: "0x11-V2-Authentication.md",
    3: "0x12-V3-Session-management.md",
    4: "0x12-V4-Access-Control.md",
    5: "0x13-V5-Validation-Sanitization-Encoding.md",
    6: "0x14-V6-Cryptography.md",
    7: "0x15-V7-Error-Logging.md",
    8: "0x16-V8-Data-Protection.md",
    9: "0x17-V9-Communications.md",
    10: "0x18-V10-Malicious.md",
    11: "0x19-V11-BusLogic.md",
    12: "0x20-V12-Files-Resources.md",
    13: "0x21-V13-API.md",
    14: "0x22-V14-Config.md",
}
# Section headings of the chapters a login API is audited against, as written in 4.0.3; GitHub
# turns "V7.1 Log Content" into the anchor "v71-log-content". Other sections link to their chapter.
ASVS4_SECTIONS = {
    "2.1": "Password Security", "2.2": "General Authenticator Security", "2.3": "Authenticator Lifecycle",
    "2.4": "Credential Storage", "2.5": "Credential Recovery", "2.6": "Look-up Secret Verifier",
    "2.7": "Out of Band Verifier", "2.8": "One Time Verifier", "2.9": "Cryptographic Verifier",
    "2.10": "Service Authentication",
    "3.1": "Fundamental Session Management Security", "3.2": "Session Binding", "3.3": "Session Termination",
    "3.4": "Cookie-based Session Management", "3.5": "Token-based Session Management",
    "3.6": "Federated Re-authentication", "3.7": "Defenses Against Session Management Exploits",
    "7.1": "Log Content", "7.2": "Log Processing", "7.3": "Log Protection", "7.4": "Error Handling",
    "8.1": "General Data Protection", "8.2": "Client-side Data Protection", "8.3": "Sensitive Private Data",
    "13.1": "Generic Web Service Security", "13.2": "RESTful Web Service", "13.3": "SOAP Web Service",
    "13.4": "GraphQL",
    "14.1": "Build and Deploy", "14.2": "Dependency", "14.3": "Unintended Security Disclosure",
    "14.4": "HTTP Security Headers", "14.5": "HTTP Request Header Validation",
}
# OWASP Authentication Cheat Sheet short IDs (see shared research anchors) to their section.
CHEAT_SHEET_SECTIONS = {
    "OWASP-AUTH-ERR": "authentication-and-error-messages",
    "OWASP-AUTH-LOCK": "account-lockout",
    "OWASP-AUTH-AUTO": "protect-against-automated-attacks",
}

_RFC = re.compile(r"^RFC\s*-?\s*(\d{3,5})(?:\s*(?:§|section|sec\.?|-)\s*([A-Za-z]?[\d.]*\d|[A-Z]))?", re.I)
_ASVS = re.compile(r"^(?:OWASP\s+)?ASVS\s*(?:v?(\d+(?:\.\d+)*))?\s*V?(\d+)(?:\.(\d+))?(?:\.(\d+))?", re.I)
_CHEAT = re.compile(r"^(OWASP-AUTH-[A-Z]+)(?:-\d+)?$", re.I)
_PROFILE = re.compile(r"^profile(?:\s+([\w.\[\]-]+))?$", re.I)


@dataclass(frozen=True)
class Reference:
    """One part of a requirement: the text as written, where it comes from, and its public URL."""

    text: str
    source: str  # rfc | asvs | owasp | profile | other
    url: str | None


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces to dashes."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


@functools.cache
def docs_url() -> str | None:
    """The project's published README, from the package's ``[project.urls]`` (Documentation or Homepage).

    Read once: every profile-contract reference of every report row asks, and reading the installed
    package's metadata costs about a millisecond each time.
    """
    try:
        meta = importlib.metadata.metadata("authconform")
    except importlib.metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return urls.get("documentation") or urls.get("homepage") or urls.get("repository") or meta.get("Home-page")


def rfc_url(number: str, section: str | None = None) -> str:
    url = RFC_URL.format(number=int(number))
    if not section:
        return url
    section = section.rstrip(".")
    kind = "appendix" if section[:1].isalpha() else "section"
    return f"{url}#{kind}-{section}"


def asvs_url(version: str | None, chapter: int, section: int | None) -> str:
    if version and version.startswith("5"):
        return ASVS5_URL
    url = ASVS4_URL.format(file=ASVS4_CHAPTERS.get(chapter, ""))
    if chapter not in ASVS4_CHAPTERS:
        return ASVS4_URL.format(file="")
    title = ASVS4_SECTIONS.get(f"{chapter}.{section}") if section is not None else None
    if title:
        return f"{url}#{github_anchor(f'V{chapter}.{section} {title}')}"
    return url


def reference(text: str) -> Reference:
    """One requirement part (no ``;``) as a :class:`Reference`."""
    text = text.strip()
    if match := _RFC.match(text):
        return Reference(text, "rfc", rfc_url(match.group(1), match.group(2)))
    if match := _ASVS.match(text):
        version, chapter, section = match.group(1), int(match.group(2)), match.group(3)
        return Reference(text, "asvs", asvs_url(version, chapter, int(section) if section else None))
    if match := _CHEAT.match(text):
        anchor = CHEAT_SHEET_SECTIONS.get(match.group(1).upper())
        return Reference(text, "owasp", f"{AUTH_CHEAT_SHEET}#{anchor}" if anchor else AUTH_CHEAT_SHEET)
    if _PROFILE.match(text):
        base = docs_url()
        return Reference(text, "profile", f"{base.split('#')[0]}#{README_PROFILE_ANCHOR}" if base else None)
    return Reference(text, "other", None)


def references(requirement: str | None) -> list[Reference]:
    """Every part of a requirement string, in order, each with its URL when one is known."""
    return [reference(part) for part in (requirement or "").split(";") if part.strip()]


def asvs_tag(text: str) -> str:
    """An ASVS requirement as one SARIF tag: ``OWASP ASVS 5.0.0 V7.4.1`` -> ``OWASP-ASVS-5.0.0-V7.4.1``."""
    return "-".join(text.split())
