#!/usr/bin/env python3
"""Generates the bundled `irp demo` scenario: Example Corp (example.com), one account taken over.

Deterministic: a fixed seed, fixed dates and no wall clock, so running it twice gives the same
bytes (the Rust test suite checks the committed files are what this script writes).

    python3 scenarios/demo/generate.py          # rewrite the files next to this script
    python3 scenarios/demo/generate.py --check  # exit 1 if the committed files are stale

Writes, next to this script:
  okta.ndjson     Okta System Log events, `/api/v1/logs` LogEvent shape (one per line)
  o365.ndjson     Office 365 Management Activity API records (Azure AD, Exchange, OneDrive)
  directory.json  the local directory's initial state: users, factors, sessions, OAuth grants,
                  mailbox rules (including what the attacker left behind)
  case.json       the case the alert opened: id, alert group ids, initial alert details

The story (times UTC, Monday 2026-11-16; Chicago is UTC-6):
  * 2026-10-26 .. 11-15: three weeks of ordinary sign-ins for six users, each from their home city,
    ISP (ASN) and device, with SSO into Office 365 and a few OneDrive downloads.
  * 01:04 (Sunday 19:04 in Chicago) John signs in from home.
  * 02:10 - 02:31 a password spray from 203.0.113.77 (Bucharest, M247 hosting, AS9009) against
    every user and a few non-existent logins; Okta ThreatInsight flags it.
  * 02:31 the spray guesses John Doe's password; 02:31 - 02:44 nine Okta Verify pushes (push
    bombing), seven denied; the tenth is approved and a session starts from the attacker's IP.
  * 02:47 - 03:12 from that session: SSO into Office 365, an inbox rule that forwards mail to
    attacker@protonmail.example and deletes it, a Google Authenticator factor enrolled, consent to
    "Mail Backup Sync" with Mail.Read offline_access, and a burst of 40 OneDrive downloads.
  * 03:20 the alert: ThreatInsight password spray + impossible travel for jdoe@example.com.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261116
O365_TENANT = "examplecorp.onmicrosoft.com"
ORG_ID = "5f1c2b7e-8a4d-4c3e-9b61-2d0e7a4f9c13"
SP_HOST = "https://examplecorp-my.sharepoint.com"

BASELINE_START = datetime(2026, 10, 26, tzinfo=timezone.utc)
ATTACK_DAY = datetime(2026, 11, 16, tzinfo=timezone.utc)
ALERT_TIME = datetime(2026, 11, 16, 3, 20, 0, tzinfo=timezone.utc)
# John's last genuine sign-in: Sunday evening at home in Chicago.
SUNDAY_LOGIN = datetime(2026, 11, 16, 1, 4, 37, 512000, tzinfo=timezone.utc)

ATTACKER = {
    "ip": "203.0.113.77",
    "city": "Bucharest",
    "state": "Bucuresti",
    "country": "Romania",
    "postal": "010011",
    "lat": 44.4268,
    "lon": 26.1025,
    "asn": 9009,
    "as_org": "m247 europe srl",
    "isp": "m247 ltd",
    "domain": "m247.com",
    # M247 rents servers and VPN exits; Okta did not flag this address as an anonymising proxy.
    "proxy": False,
    "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "os": "Windows 10",
    "browser": "CHROME",
}

FORWARD_TO = "attacker@protonmail.example"
MALICIOUS_APP = {
    "name": "Mail Backup Sync",
    "app_id": "3c9e5a1d-7b24-4f6e-a1c8-9d0b2e4f6a71",
    "sp_id": "b8d4e2f0-1a3c-4e5b-9c7d-6f8a0b2c4d1e",
    "scopes": ["Mail.Read", "offline_access"],
    "reply_url": "https://mailbackup-sync.example/auth/callback",
}

# Six users: home city, ISP and device (their baseline). Times are local working hours.
USERS = [
    {
        "login": "jdoe@example.com",
        "first": "John",
        "last": "Doe",
        "title": "Accounts Payable Manager",
        "city": "Chicago",
        "state": "Illinois",
        "postal": "60614",
        "lat": 41.9217,
        "lon": -87.6529,
        "utc_offset": -6,
        "ip": "198.51.100.23",
        "asn": 7922,
        "as_org": "comcast cable communications, llc",
        "isp": "comcast cable communications, llc",
        "domain": "comcast.net",
        "ua": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36",
        "os": "Mac OS X",
        "browser": "CHROME",
    },
    {
        "login": "asmith@example.com",
        "first": "Alice",
        "last": "Smith",
        "title": "Controller",
        "city": "Austin",
        "state": "Texas",
        "postal": "78704",
        "lat": 30.2435,
        "lon": -97.7693,
        "utc_offset": -6,
        "ip": "198.51.100.41",
        "asn": 7018,
        "as_org": "at&t services, inc.",
        "isp": "at&t services, inc.",
        "domain": "att.net",
        "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
        "os": "Windows 10",
        "browser": "EDGE_CHROMIUM",
    },
    {
        "login": "bchen@example.com",
        "first": "Brian",
        "last": "Chen",
        "title": "Software Engineer",
        "city": "San Francisco",
        "state": "California",
        "postal": "94110",
        "lat": 37.7485,
        "lon": -122.4184,
        "utc_offset": -8,
        "ip": "198.51.100.87",
        "asn": 7922,
        "as_org": "comcast cable communications, llc",
        "isp": "comcast cable communications, llc",
        "domain": "comcast.net",
        "ua": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        "os": "Mac OS X",
        "browser": "SAFARI",
    },
    {
        "login": "mgarcia@example.com",
        "first": "Maria",
        "last": "Garcia",
        "title": "Sales Director",
        "city": "New York",
        "state": "New York",
        "postal": "10013",
        "lat": 40.7209,
        "lon": -74.0007,
        "utc_offset": -5,
        "ip": "192.0.2.15",
        "asn": 701,
        "as_org": "verizon business",
        "isp": "verizon fios",
        "domain": "verizon.net",
        "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36",
        "os": "Windows 10",
        "browser": "CHROME",
    },
    {
        "login": "kpatel@example.com",
        "first": "Kiran",
        "last": "Patel",
        "title": "IT Administrator",
        "city": "Denver",
        "state": "Colorado",
        "postal": "80205",
        "lat": 39.7589,
        "lon": -104.9666,
        "utc_offset": -7,
        "ip": "192.0.2.64",
        "asn": 209,
        "as_org": "centurylink communications, llc",
        "isp": "centurylink",
        "domain": "centurylink.net",
        "ua": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36",
        "os": "Mac OS X",
        "browser": "CHROME",
    },
    {
        "login": "lnguyen@example.com",
        "first": "Linh",
        "last": "Nguyen",
        "title": "HR Business Partner",
        "city": "Boston",
        "state": "Massachusetts",
        "postal": "02118",
        "lat": 42.3388,
        "lon": -71.0765,
        "utc_offset": -5,
        "ip": "192.0.2.133",
        "asn": 20115,
        "as_org": "charter communications",
        "isp": "charter communications",
        "domain": "charter.com",
        "ua": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "os": "Windows 10",
        "browser": "FIREFOX",
    },
]
VICTIM = USERS[0]
# Logins the spray tries that do not exist in the tenant (Okta logs them with actor id "unknown").
UNKNOWN_LOGINS = ["admin@example.com", "it@example.com", "finance@example.com", "j.doe@example.com"]

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
OKTA_VERIFY_APP = {"id": "0oa1okv9x8ZpXtLx55d7", "name": "Okta Verify"}
O365_APP = {"id": "0oa1m365y2QwErTy47d7", "name": "Microsoft Office 365"}
DASHBOARD_APP = {"id": "0oa1dash3AbCdEfG55d7", "name": "Okta Dashboard"}
EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"


class Ids:
    """Deterministic identifiers in each vendor's style."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choice(ALNUM) for _ in range(n))

    def okta(self, prefix: str) -> str:
        # Okta object ids: a 3-character type prefix, then 17 characters (e.g. 00ub0oNGTSWTBKOLGLNR).
        return prefix + self.alnum(17)

    def okta_uuid(self, at: datetime) -> str:
        # System Log uuids are time-based (version 1): derive one from the event time.
        ticks = int((at - datetime(1582, 10, 15, tzinfo=timezone.utc)).total_seconds() * 10_000_000)
        ticks += self.rng.randrange(10_000)
        node = self.rng.getrandbits(48)
        clock_seq = self.rng.getrandbits(14)
        return str(
            uuid.UUID(
                fields=(
                    ticks & 0xFFFFFFFF,
                    (ticks >> 32) & 0xFFFF,
                    ((ticks >> 48) & 0x0FFF) | 0x1000,
                    0x80 | (clock_seq >> 8),
                    clock_seq & 0xFF,
                    node,
                )
            )
        )

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def session(self) -> str:
        return "idx" + self.alnum(22)

    def transaction(self) -> str:
        return self.alnum(27)


def okta_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def o365_time(at: datetime) -> str:
    # The Management Activity API writes CreationTime in UTC without an offset or fraction.
    return at.strftime("%Y-%m-%dT%H:%M:%S")


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def geo(place: dict) -> dict:
    return {
        "city": place["city"],
        "state": place["state"],
        "country": place.get("country", "United States"),
        "postalCode": place["postal"],
        "geolocation": {"lat": place["lat"], "lon": place["lon"]},
    }


class Okta:
    """Builds System Log events in the `/api/v1/logs` LogEvent shape."""

    def __init__(self, ids: Ids, user_ids: dict[str, str]) -> None:
        self.ids = ids
        self.user_ids = user_ids
        self.events: list[dict] = []

    def actor(self, login: str) -> dict:
        user = next((u for u in USERS if u["login"] == login), None)
        if user is None:
            return {"id": "unknown", "type": "User", "alternateId": login, "displayName": "unknown", "detailEntry": None}
        return {
            "id": self.user_ids[login],
            "type": "User",
            "alternateId": login,
            "displayName": f"{user['first']} {user['last']}",
            "detailEntry": None,
        }

    def emit(
        self,
        at: datetime,
        event_type: str,
        display: str,
        legacy: str | None,
        login: str,
        place: dict,
        result: str,
        reason: str | None = None,
        session: str | None = None,
        targets: list | None = None,
        severity: str = "INFO",
        debug: dict | None = None,
        uri: str = "/idp/idx/identify",
        device: dict | None = None,
        actor: dict | None = None,
    ) -> dict:
        request_id = self.ids.transaction()
        debug_data = {"requestId": request_id, "requestUri": uri, "url": uri + "?"}
        if debug:
            debug_data.update(debug)
        event = {
            "actor": actor or self.actor(login),
            "client": {
                "userAgent": {"rawUserAgent": place["ua"], "os": place["os"], "browser": place["browser"]},
                "zone": None,
                "device": "Computer",
                "id": None,
                "ipAddress": place["ip"],
                "geographicalContext": geo(place),
            },
            "device": device,
            "authenticationContext": {
                "authenticationProvider": None,
                "credentialProvider": None,
                "credentialType": None,
                "issuer": None,
                "interface": None,
                "authenticationStep": 0,
                "rootSessionId": session or "unknown",
                "externalSessionId": session or "unknown",
            },
            "displayMessage": display,
            "eventType": event_type,
            "outcome": {"result": result, "reason": reason},
            "published": okta_time(at),
            "securityContext": {
                "asNumber": place["asn"],
                "asOrg": place["as_org"],
                "isp": place["isp"],
                "domain": place["domain"],
                "isProxy": place.get("proxy", False),
            },
            "severity": severity,
            "debugContext": {"debugData": debug_data},
            "legacyEventType": legacy,
            "transaction": {"type": "WEB", "id": request_id, "detail": {}},
            "uuid": self.ids.okta_uuid(at),
            "version": "0",
            "request": {
                "ipChain": [
                    {"ip": place["ip"], "geographicalContext": geo(place), "version": "V4", "source": None}
                ]
            },
            "target": targets or [],
        }
        self.events.append(event)
        return event


def security_data(risk: str, positive: list[str], reasons: str | None = None) -> str:
    behaviors = ["New Geo-Location", "New Device", "New IP", "New State", "New Country", "Velocity", "New City"]
    data = {"risk": {"level": risk}, "behaviors": {b: ("POSITIVE" if b in positive else "NEGATIVE") for b in behaviors}}
    if reasons:
        data["risk"]["reasons"] = reasons
    return json.dumps(data, separators=(",", ":"))


def device_of(user: dict, device_id: str) -> dict:
    return {
        "id": device_id,
        "name": "MacBookPro18,3" if user["os"] == "Mac OS X" else "DESKTOP-" + device_id[-7:].upper(),
        "os_platform": "OSX" if user["os"] == "Mac OS X" else "WINDOWS",
        "os_version": "15.1.0" if user["os"] == "Mac OS X" else "10.0.22631",
        "managed": True,
        "registered": True,
        "device_integrator": None,
        "disk_encryption_type": "ALL_INTERNAL_VOLUMES",
        "screen_lock_type": "BIOMETRIC",
        "jailbreak": None,
        "secure_hardware_present": True,
    }


def app_target(app: dict) -> dict:
    return {"id": app["id"], "type": "AppInstance", "alternateId": app["name"], "displayName": app["name"], "detailEntry": None}


class O365:
    """Builds Office 365 Management Activity API records."""

    def __init__(self, ids: Ids, user_keys: dict[str, str], object_ids: dict[str, str]) -> None:
        self.ids = ids
        self.user_keys = user_keys
        self.object_ids = object_ids
        self.records: list[dict] = []

    def base(self, at: datetime, operation: str, record_type: int, workload: str, login: str, ip: str) -> dict:
        return {
            "CreationTime": o365_time(at),
            "Id": self.ids.guid(),
            "Operation": operation,
            "OrganizationId": ORG_ID,
            "RecordType": record_type,
            "ResultStatus": "Success",
            "UserKey": self.user_keys[login],
            "UserType": 0,
            "Version": 1,
            "Workload": workload,
            "ClientIP": ip,
            "UserId": login,
        }

    def logged_in(self, at: datetime, login: str, place: dict) -> None:
        record = self.base(at, "UserLoggedIn", 15, "AzureActiveDirectory", login, place["ip"])
        record.update(
            {
                "ObjectId": "00000003-0000-0ff1-ce00-000000000000",
                "AzureActiveDirectoryEventType": 1,
                "ExtendedProperties": [
                    {"Name": "ResultStatusDetail", "Value": "Redirect"},
                    {"Name": "UserAgent", "Value": place["ua"]},
                    {"Name": "RequestType", "Value": "SAS:ProcessAuth"},
                ],
                "ModifiedProperties": [],
                "Actor": [{"ID": self.object_ids[login], "Type": 0}, {"ID": login, "Type": 5}],
                "ActorContextId": ORG_ID,
                "ActorIpAddress": place["ip"],
                "InterSystemsId": self.ids.guid(),
                "IntraSystemId": self.ids.guid(),
                "SupportTicketId": "",
                "Target": [{"ID": "00000003-0000-0ff1-ce00-000000000000", "Type": 0}],
                "TargetContextId": ORG_ID,
                "ApplicationId": "4765445b-32c6-49b0-83e6-1d93765276ca",
                "DeviceProperties": [
                    {"Name": "OS", "Value": "MacOs" if place["os"] == "Mac OS X" else "Windows10"},
                    {"Name": "BrowserType", "Value": place["browser"].title().replace("_", " ")},
                    {"Name": "SessionId", "Value": self.ids.guid()},
                ],
                "ErrorNumber": "0",
            }
        )
        self.records.append(record)

    def file_op(self, at: datetime, login: str, place: dict, operation: str, folder: str, name: str) -> None:
        personal = login.replace("@", "_").replace(".", "_")
        site = f"{SP_HOST}/personal/{personal}/"
        record = self.base(at, operation, 6, "OneDrive", login, place["ip"])
        ext = name.rsplit(".", 1)[-1]
        record.update(
            {
                "ObjectId": f"{site}Documents/{folder}/{name}",
                "UserKey": f"i:0h.f|membership|{self.user_keys[login].lower()}@live.com",
                "CorrelationId": self.ids.guid(),
                "EventSource": "SharePoint",
                "ItemType": "File",
                "ListId": "7d2c5e8f-3b1a-4c6d-9e0f-1a2b3c4d5e6f",
                "ListItemUniqueId": self.ids.guid(),
                "Site": "2a3b4c5d-6e7f-4081-92a3-b4c5d6e7f809",
                "UserAgent": place["ua"],
                "WebId": "8c9d0e1f-2a3b-4c5d-8e7f-90a1b2c3d4e5",
                "SourceFileExtension": ext,
                "SiteUrl": site,
                "SourceFileName": name,
                "SourceRelativeUrl": f"Documents/{folder}",
                "ApplicationDisplayName": "OneDrive Web",
                "GeoLocation": "NAM",
                "IsManagedDevice": place is not ATTACKER,
                "AuthenticationType": "OAuth",
                "BrowserName": place["browser"].title(),
                "Platform": "WinDesktop" if place["os"] == "Windows 10" else "MacDesktop",
            }
        )
        self.records.append(record)

    def new_inbox_rule(self, at: datetime, login: str, place: dict, params: list, session_id: str) -> None:
        record = self.base(at, "New-InboxRule", 1, "Exchange", login, place["ip"])
        display = next(f"{u['first']} {u['last']}" for u in USERS if u["login"] == login)
        name = next(p["Value"] for p in params if p["Name"] == "Name")
        record.update(
            {
                "ResultStatus": "True",
                "ObjectId": f"NAMPR11A003.prod.outlook.com/Microsoft Exchange Hosted Organizations/{O365_TENANT}/"
                f"{display}\\{name}",
                "AppId": EXO_APP_ID,
                "ClientAppId": "",
                "ExternalAccess": False,
                "OrganizationName": O365_TENANT,
                "OriginatingServer": "CH3PR11MB8705 (15.20.8158.017)",
                "Parameters": [{"Name": "AlwaysDeleteOutlookRulesBlob", "Value": "False"}, {"Name": "Force", "Value": "False"}]
                + params,
                "SessionId": session_id,
            }
        )
        self.records.append(record)

    def consent(self, at: datetime, login: str, place: dict) -> None:
        record = self.base(at, "Consent to application.", 8, "AzureActiveDirectory", login, place["ip"])
        user_obj = self.object_ids[login]
        scopes = " ".join(MALICIOUS_APP["scopes"])
        grant_id = self.ids.alnum(43)
        record.update(
            {
                "ObjectId": f"ServicePrincipal_{MALICIOUS_APP['sp_id']}",
                "AzureActiveDirectoryEventType": 1,
                "ExtendedProperties": [
                    {
                        "Name": "additionalDetails",
                        "Value": json.dumps({"User-Agent": place["ua"], "AppId": MALICIOUS_APP["app_id"]}, separators=(",", ":")),
                    },
                    {"Name": "extendedAuditEventCategory", "Value": "ServicePrincipal"},
                ],
                "ModifiedProperties": [
                    {"Name": "ConsentContext.IsAdminConsent", "NewValue": "False", "OldValue": ""},
                    {"Name": "ConsentContext.IsAppOnly", "NewValue": "False", "OldValue": ""},
                    {"Name": "ConsentContext.OnBehalfOfAll", "NewValue": "False", "OldValue": ""},
                    {"Name": "ConsentContext.Tags", "NewValue": "WindowsAzureActiveDirectoryIntegratedApp", "OldValue": ""},
                    {
                        "Name": "ConsentAction.Permissions",
                        "NewValue": f"[] => [[Id: {grant_id}, ClientId: {MALICIOUS_APP['sp_id']}, "
                        f"PrincipalId: {user_obj}, ResourceId: 9f3a1c2e-4b5d-4e6f-8a7b-0c1d2e3f4a5b, "
                        f"ConsentType: Principal, Scope:  {scopes}, CreatedDateTime: , LastModifiedDateTime ]]; ",
                        "OldValue": "",
                    },
                    {"Name": "TargetId.ServicePrincipalNames", "NewValue": f"{MALICIOUS_APP['app_id']};{MALICIOUS_APP['reply_url']}", "OldValue": ""},
                ],
                "Actor": [
                    {"ID": login, "Type": 5},
                    {"ID": user_obj, "Type": 2},
                    {"ID": f"User_{user_obj}", "Type": 2},
                    {"ID": "User", "Type": 2},
                ],
                "ActorContextId": ORG_ID,
                "InterSystemsId": self.ids.guid(),
                "IntraSystemId": self.ids.guid(),
                "SupportTicketId": "",
                "Target": [
                    {"ID": f"ServicePrincipal_{MALICIOUS_APP['sp_id']}", "Type": 2},
                    {"ID": MALICIOUS_APP["sp_id"], "Type": 2},
                    {"ID": "ServicePrincipal", "Type": 2},
                    {"ID": MALICIOUS_APP["name"], "Type": 1},
                    {"ID": MALICIOUS_APP["app_id"], "Type": 2},
                    {"ID": MALICIOUS_APP["app_id"], "Type": 4},
                ],
                "TargetContextId": ORG_ID,
            }
        )
        self.records.append(record)


WORK_FILES = {
    "jdoe@example.com": ("Finance/AP", ["vendor-payments-{w}.xlsx", "invoice-batch-{n}.pdf", "ap-aging-{w}.xlsx"]),
    "asmith@example.com": ("Finance", ["close-checklist-{w}.xlsx", "gl-recon-{n}.xlsx"]),
    "bchen@example.com": ("Engineering", ["design-notes-{n}.md", "oncall-{w}.pdf"]),
    "mgarcia@example.com": ("Sales", ["pipeline-{w}.xlsx", "proposal-{n}.docx"]),
    "kpatel@example.com": ("IT", ["asset-inventory-{w}.xlsx", "change-{n}.docx"]),
    "lnguyen@example.com": ("HR", ["onboarding-{n}.docx", "benefits-{w}.pdf"]),
}

EXFIL_FILES = [
    "Finance/AP/vendor-master-list.xlsx",
    "Finance/AP/bank-details-approved-vendors.xlsx",
    "Finance/AP/wire-templates.docx",
    "Finance/AP/payment-run-2026-11-13.xlsx",
    "Finance/AP/ach-authorizations.pdf",
    "Finance/Treasury/signatories.pdf",
    "Finance/Treasury/credit-lines-2026.xlsx",
    "Contracts/msa-northwind.pdf",
    "Contracts/msa-contoso.pdf",
    "Contracts/nda-fabrikam.pdf",
]


def baseline(rng: random.Random, ids: Ids, okta: Okta, o365: O365, sessions: dict, devices: dict) -> None:
    """Three weeks of ordinary work: weekday sign-ins from home, SSO to Office 365, a few downloads."""
    day = BASELINE_START
    while day < ATTACK_DAY:
        weekday = day.weekday() < 5
        for user in USERS:
            if not weekday and rng.random() > 0.25:
                continue
            logins = rng.choice([1, 1, 2]) if weekday else 1
            for k in range(logins):
                local_hour = (8 if k == 0 else 13) + rng.random() * 1.5
                at = day + timedelta(hours=local_hour - user["utc_offset"], seconds=rng.randrange(60))
                at = at.replace(microsecond=rng.randrange(1000) * 1000)
                session_id = ids.session()
                login = user["login"]
                okta.emit(
                    at,
                    "user.session.start",
                    "User login to Okta",
                    "core.user_auth.login_success",
                    login,
                    user,
                    "SUCCESS",
                    session=session_id,
                    debug={
                        "dtHash": hashlib.sha256(devices[login].encode()).hexdigest(),
                        "logOnlySecurityData": security_data("LOW", []),
                        "threatSuspected": "false",
                    },
                    device=device_of(user, devices[login]),
                    targets=[{"id": OKTA_VERIFY_APP["id"], "type": "AuthenticatorEnrollment", "alternateId": "unknown",
                              "displayName": "Okta Verify", "detailEntry": None}],
                )
                sso = at + timedelta(seconds=rng.randrange(20, 90))
                okta.emit(
                    sso,
                    "user.authentication.sso",
                    "User single sign on to app",
                    "app.auth.sso",
                    login,
                    user,
                    "SUCCESS",
                    session=session_id,
                    targets=[app_target(O365_APP)],
                    uri="/app/office365/" + O365_APP["id"] + "/sso/wsfed/passive",
                )
                o365.logged_in(sso + timedelta(seconds=rng.randrange(2, 6)), login, user)
                sessions[login] = {"id": session_id, "created": at, "last": sso}
                folder, patterns = WORK_FILES[login]
                for _ in range(rng.choice([0, 1, 1, 2, 3])):
                    name = rng.choice(patterns).format(w=f"w{at.isocalendar()[1]}", n=rng.randrange(100, 999))
                    when = sso + timedelta(minutes=rng.randrange(5, 200), seconds=rng.randrange(60))
                    o365.file_op(when, login, user, rng.choice(["FileDownloaded", "FileAccessed"]), folder, name)
        day += timedelta(days=1)
    # John checks his mail on Sunday evening at home, an hour and a half before the attacker signs
    # in from Bucharest: the pair an impossible-travel rule fires on.
    at = SUNDAY_LOGIN
    login = VICTIM["login"]
    session_id = ids.session()
    okta.emit(at, "user.session.start", "User login to Okta", "core.user_auth.login_success", login, VICTIM,
              "SUCCESS", session=session_id,
              debug={"dtHash": hashlib.sha256(devices[login].encode()).hexdigest(),
                     "logOnlySecurityData": security_data("LOW", []), "threatSuspected": "false"},
              device=device_of(VICTIM, devices[login]),
              targets=[{"id": OKTA_VERIFY_APP["id"], "type": "AuthenticatorEnrollment", "alternateId": "unknown",
                        "displayName": "Okta Verify", "detailEntry": None}])
    sso = at + timedelta(seconds=41)
    okta.emit(sso, "user.authentication.sso", "User single sign on to app", "app.auth.sso", login, VICTIM, "SUCCESS",
              session=session_id, targets=[app_target(O365_APP)],
              uri="/app/office365/" + O365_APP["id"] + "/sso/wsfed/passive")
    o365.logged_in(sso + timedelta(seconds=3), login, VICTIM)
    sessions[login] = {"id": session_id, "created": at, "last": sso + timedelta(minutes=22)}


def attack(rng: random.Random, ids: Ids, okta: Okta, o365: O365) -> dict:
    """The takeover of John Doe's account, as the logs recorded it. Returns what the attacker left."""
    targets = [u["login"] for u in USERS] + UNKNOWN_LOGINS
    t = ATTACK_DAY + timedelta(hours=2, minutes=10)
    # Round one: one guess per login, a few seconds apart (a classic low-and-slow spray).
    for rnd in range(2):
        order = targets[:]
        rng.shuffle(order)
        if rnd == 1:
            # The second round guesses John's password; the attacker stops spraying once it works.
            order.remove(VICTIM["login"])
            order.append(VICTIM["login"])
        for login in order:
            t += timedelta(seconds=rng.randrange(35, 80), milliseconds=rng.randrange(1000))
            if rnd == 1 and login == VICTIM["login"]:
                break
            known = any(u["login"] == login for u in USERS)
            okta.emit(
                t,
                "user.session.start",
                "User login to Okta",
                "core.user_auth.login_failed",
                login,
                ATTACKER,
                "FAILURE",
                reason="INVALID_CREDENTIALS" if known else "VERIFICATION_ERROR",
                debug={"threatSuspected": "true", "loginResult": "INVALID_CREDENTIALS" if known else "VERIFICATION_ERROR"},
                uri="/idp/idx/challenge/answer",
            )
        if rnd == 0:
            okta.emit(
                t + timedelta(seconds=12),
                "security.threat.detected",
                "Request from suspicious actor",
                "security.threat.detected",
                "",
                ATTACKER,
                "ALLOW",
                reason="Password Spray, Login failures with high unknown users count",
                severity="WARN",
                debug={
                    "threatDetections": json.dumps(
                        {"Password Spray": "HIGH", "Login failures with high unknown users count": "HIGH"},
                        separators=(",", ":"),
                    ),
                    "threatSuspected": "true",
                },
                uri="/idp/idx/challenge/answer",
                actor={"id": ATTACKER["ip"], "type": "IP address", "alternateId": "unknown",
                       "displayName": ATTACKER["ip"], "detailEntry": None},
            )
            t += timedelta(minutes=3)

    victim = VICTIM["login"]
    attack_session = ids.session()
    verify = [{"id": OKTA_VERIFY_APP["id"], "type": "AuthenticatorEnrollment", "alternateId": "unknown",
               "displayName": "Okta Verify", "detailEntry": None}]
    okta.emit(t, "policy.evaluate_sign_on", "Evaluation of sign-on policy", None, victim, ATTACKER, "CHALLENGE",
              reason="Sign-on policy evaluation resulted in CHALLENGE", session=attack_session,
              uri="/idp/idx/challenge/answer",
              debug={"logOnlySecurityData": security_data(
                  "HIGH", ["New Geo-Location", "New Device", "New IP", "New State", "New Country", "Velocity", "New City"],
                  "Anomalous Geo-Distance, New Geo-Location, New Device, New IP")})
    # Push bombing: nine pushes over thirteen minutes; seven denied, two left unanswered.
    answers = ["deny", "deny", "deny", "ignore", "deny", "deny", "ignore", "deny", "deny", "approve"]
    for answer in answers:
        t += timedelta(seconds=rng.randrange(50, 95), milliseconds=rng.randrange(1000))
        okta.emit(t, "system.push.send_factor_verify_push", "Push notification sent for verification", None,
                  victim, ATTACKER, "SUCCESS", session=attack_session, targets=verify,
                  uri="/idp/idx/authenticators/poll", debug={"factor": "OKTA_VERIFY_PUSH"})
        response = t + timedelta(seconds=rng.randrange(4, 15), milliseconds=rng.randrange(1000))
        if answer == "deny":
            okta.emit(response, "user.mfa.okta_verify.deny_push", "User rejected Okta push verify", None, victim,
                      ATTACKER, "FAILURE", reason="User rejected Okta Verify push", session=attack_session,
                      targets=verify, severity="WARN", uri="/idp/idx/authenticators/poll",
                      debug={"factor": "OKTA_VERIFY_PUSH"})
        elif answer == "approve":
            okta.emit(response, "user.authentication.auth_via_mfa", "Authentication of user via MFA",
                      "core.user.factor.attempt_success", victim, ATTACKER, "SUCCESS", session=attack_session,
                      targets=verify, uri="/idp/idx/authenticators/poll", debug={"factor": "OKTA_VERIFY_PUSH"})
            t = response
    t += timedelta(seconds=1, milliseconds=213)
    login_event = okta.emit(
        t, "user.session.start", "User login to Okta", "core.user_auth.login_success", victim, ATTACKER, "SUCCESS",
        session=attack_session, targets=verify, uri="/idp/idx/authenticators/poll",
        debug={"dtHash": ids.hex(64), "threatSuspected": "true",
               "logOnlySecurityData": security_data(
                   "HIGH", ["New Geo-Location", "New Device", "New IP", "New State", "New Country", "Velocity", "New City"],
                   "Anomalous Geo-Distance, New Geo-Location, New Device, New IP")},
    )
    attack_login = t
    t += timedelta(minutes=2, seconds=41)
    okta.emit(t, "user.authentication.sso", "User single sign on to app", "app.auth.sso", victim, ATTACKER, "SUCCESS",
              session=attack_session, targets=[app_target(O365_APP)],
              uri="/app/office365/" + O365_APP["id"] + "/sso/wsfed/passive")
    o365.logged_in(t + timedelta(seconds=3), victim, ATTACKER)

    # Persistence 1: hide and forward payment mail.
    t += timedelta(minutes=7, seconds=22)
    rule_name = "."
    exo_session = ids.guid()
    o365.new_inbox_rule(t, victim, ATTACKER, [
        {"Name": "Name", "Value": rule_name},
        {"Name": "SubjectOrBodyContainsWords", "Value": "invoice;payment;wire;remittance;bank details"},
        {"Name": "ForwardTo", "Value": FORWARD_TO},
        {"Name": "DeleteMessage", "Value": "True"},
        {"Name": "StopProcessingRules", "Value": "True"},
    ], exo_session)
    rule_created = t

    # Persistence 2: a second authenticator the attacker controls.
    t += timedelta(minutes=1, seconds=48)
    totp_factor = ids.okta("uft")
    okta.emit(t, "user.mfa.factor.activate", "Activate factor or authenticator", "core.user.factor.activate",
              victim, ATTACKER, "SUCCESS", reason="User set up GOOGLE_OTP factor", session=attack_session,
              targets=[{"id": okta.user_ids[victim], "type": "User", "alternateId": victim,
                        "displayName": "John Doe", "detailEntry": None},
                       {"id": totp_factor, "type": "AuthenticatorEnrollment", "alternateId": "unknown",
                        "displayName": "Google Authenticator", "detailEntry": {"methodTypeUsed": "Google Authenticator"}}],
              uri="/idp/idx/challenge/answer", debug={"factor": "GOOGLE_OTP"})
    factor_created = t

    # Persistence 3: an OAuth app with standing mailbox access (survives a password reset).
    t += timedelta(minutes=4, seconds=9)
    o365.consent(t, victim, ATTACKER)
    grant_created = t

    # Collection: a scripted burst of OneDrive downloads, one every few seconds.
    t += timedelta(minutes=3, seconds=30)
    for i in range(40):
        t += timedelta(seconds=rng.randrange(1, 5), milliseconds=rng.randrange(1000))
        path = EXFIL_FILES[i % len(EXFIL_FILES)] if i < len(EXFIL_FILES) else (
            f"Finance/AP/Invoices/2026/INV-{20260 + i * 7}.pdf")
        folder, name = path.rsplit("/", 1)
        o365.file_op(t, victim, ATTACKER, "FileDownloaded", folder, name)
    assert t < ALERT_TIME, "every attacker event must precede the alert"
    return {
        "session": attack_session,
        "login": attack_login,
        "login_uuid": login_event["uuid"],
        "rule_name": rule_name,
        "rule_created": rule_created,
        "factor_id": totp_factor,
        "factor_created": factor_created,
        "grant_created": grant_created,
    }


def directory(ids: Ids, user_ids: dict, sessions: dict, devices: dict, left: dict) -> dict:
    """The local directory as the IdP and the mailbox would report it at the alert.

    The format is irp-connectors' `LocalDirectory` file (schema version 1: `LocalUser` =
    `DirectoryUser` + `inbox_rules` + `forwarding`).
    Every user also has benign state (a Zoom consent, a newsletter rule) so eradication has to
    tell the attacker's persistence from the user's own.
    """
    users = []
    for index, user in enumerate(USERS):
        login = user["login"]
        enrolled = BASELINE_START - timedelta(days=200 + index * 37)
        zoom_client = "0oa1zoom" + ids.alnum(12)
        session = sessions[login]
        entry = {
            "id": user_ids[login],
            "login": login,
            "display_name": f"{user['first']} {user['last']}",
            "status": "active",
            "password_change_required": False,
            "credential_version": 1,
            "factors": [
                {
                    "id": ids.okta("opf"),
                    "kind": "push",
                    "status": "active",
                    "detail": "Okta Verify on " + device_of(user, devices[login])["name"],
                    "enrolled_at": iso(enrolled),
                }
            ],
            "sessions": [
                {"id": session["id"], "created_at": iso(session["created"]), "ip": user["ip"], "user_agent": user["ua"]}
            ],
            "tokens": [{"id": ids.okta("oar"), "client_id": zoom_client, "expires_at": iso(ALERT_TIME + timedelta(days=60))}],
            "grants": [
                {
                    "id": ids.okta("oag"),
                    "client_id": zoom_client,
                    "app": "Zoom",
                    "scopes": ["openid", "profile", "email"],
                    "granted_at": iso(enrolled + timedelta(days=3)),
                }
            ],
            "recovery_email": None,
            "recovery_phone": None,
            "admin_roles": ["SUPER_ADMIN"] if login == "kpatel@example.com" else [],
            "inbox_rules": [
                {
                    "id": ids.alnum(12),
                    "name": "Newsletters",
                    "enabled": True,
                    "forward_to": [],
                    "redirect_to": [],
                    "hides_mail": False,
                }
            ],
            "forwarding": None,
        }
        if user is VICTIM:
            entry["factors"].append(
                {
                    "id": left["factor_id"],
                    "kind": "totp",
                    "status": "active",
                    "detail": "Google Authenticator",
                    "enrolled_at": iso(left["factor_created"]),
                }
            )
            entry["sessions"].append(
                {"id": left["session"], "created_at": iso(left["login"]), "ip": ATTACKER["ip"], "user_agent": ATTACKER["ua"]}
            )
            entry["tokens"].append(
                {"id": ids.okta("oar"), "client_id": MALICIOUS_APP["app_id"], "expires_at": iso(ALERT_TIME + timedelta(days=90))}
            )
            entry["grants"].append(
                {
                    "id": ids.okta("oag"),
                    "client_id": MALICIOUS_APP["app_id"],
                    "app": MALICIOUS_APP["name"],
                    "scopes": list(MALICIOUS_APP["scopes"]),
                    "granted_at": iso(left["grant_created"]),
                }
            )
            entry["inbox_rules"].append(
                {
                    "id": ids.alnum(12),
                    "name": left["rule_name"],
                    "enabled": True,
                    "forward_to": [FORWARD_TO],
                    "redirect_to": [],
                    "hides_mail": True,
                }
            )
        users.append(entry)
    return {"schema_version": 1, "users": users}


def case(user_ids: dict, left: dict) -> dict:
    """The case the alert opened. Field names follow irp-connectors' `Case`; the engine's
    `INITIAL_ALERT_DETAILS` input is `initial_alert_details`."""
    victim = VICTIM["login"]
    return {
        "id": "4821",
        "title": f"Suspicious sign-in: {victim} (password spray, impossible travel)",
        "user": victim,
        "status": "open",
        "alert_ids": [
            "okta-threatinsight-password-spray-203.0.113.77-20261116",
            "siem-impossible-travel-jdoe-20261116T0244",
        ],
        "description": (
            "Okta ThreatInsight flagged a password spray from 203.0.113.77 (AS9009 M247, Romania). "
            f"Minutes later {victim} signed in from that address after repeated Okta Verify pushes; "
            f"the previous sign-in, {int((left['login'] - SUNDAY_LOGIN).total_seconds() // 60)} minutes earlier, "
            "was from Chicago, US."
        ),
        "created_at": iso(ALERT_TIME),
        "initial_alert_details": {
            "source": "Okta ThreatInsight; SIEM rule 'Impossible travel after password spray'",
            "severity": "high",
            "user": victim,
            "okta_user_id": user_ids[victim],
            "src_ip": ATTACKER["ip"],
            "src_country": "RO",
            "src_asn": ATTACKER["asn"],
            "previous_location": f"{VICTIM['city']}, {VICTIM['state']}, US",
            "first_seen": iso(left["login"]),
            "okta_event_uuid": left["login_uuid"],
        },
    }


def render() -> dict[str, str]:
    rng = random.Random(SEED)
    ids = Ids(rng)
    user_ids = {u["login"]: ids.okta("00u") for u in USERS}
    user_keys = {u["login"]: "10032001" + ids.hex(8).upper() for u in USERS}
    object_ids = {u["login"]: ids.guid() for u in USERS}
    devices = {u["login"]: ids.okta("guo") for u in USERS}
    okta = Okta(ids, user_ids)
    o365 = O365(ids, user_keys, object_ids)
    sessions: dict = {}
    baseline(rng, ids, okta, o365, sessions, devices)
    left = attack(rng, ids, okta, o365)
    directory_state = directory(ids, user_ids, sessions, devices, left)
    case_state = case(user_ids, left)

    def ndjson(records: list[dict], key: str) -> str:
        records = sorted(records, key=lambda r: r[key])
        return "".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records)

    return {
        "okta.ndjson": ndjson(okta.events, "published"),
        "o365.ndjson": ndjson(o365.records, "CreationTime"),
        "directory.json": json.dumps(directory_state, indent=2, ensure_ascii=False) + "\n",
        "case.json": json.dumps(case_state, indent=2, ensure_ascii=False) + "\n",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed files differ from the output")
    args = parser.parse_args()
    stale = []
    for name, text in render().items():
        path = HERE / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale: " + ", ".join(stale) + " (run scenarios/demo/generate.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
