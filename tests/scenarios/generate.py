#!/usr/bin/env python3
"""Writes the end-to-end scenarios of `irp assess` in the vendors' exact export shapes.

Deterministic (no clock, no randomness): re-running it rewrites byte-identical files. Shapes follow
the real samples in testdata/: Okta System Log API (testdata/vendor/okta/okta_example_listlogs.json,
testdata/samples/panther_scenarios/*.jsonl), Microsoft Graph beta signIn
(testdata/samples/msgraph_docs/beta_signin-list_example1_response.json) and the Office 365
Management Activity API (PascalCase, as the API returns it; Panther's copy is lower-cased).

Addresses are reserved ranges: documentation (RFC 5737 / RFC 3849) for travel, VPN and attackers,
and one benchmarking /24 per home (198.18.0.0/15, RFC 2544) so that colleagues do not look like
one shared office network; geo and ASN facts are what the vendor
would have attached. Every scenario has three weeks of baseline history for every user of the
tenant, so novelty detectors are past any learning period, and the incident on the last day.

Run: python3 tests/scenarios/generate.py
"""

import json
import os
import uuid
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
START = datetime(2024, 4, 29, tzinfo=timezone.utc)  # a Monday, three weeks before the incident
INCIDENT_DAY = datetime(2024, 5, 20, tzinfo=timezone.utc)  # a Monday
NS = uuid.UUID("6f1c3a52-0b7e-4d5a-9a63-0d5f1e2b7c11")

# Places: (city, state, country name, ISO code, lat, lon)
NYC = ("New York", "New York", "United States", "US", 40.7128, -74.0060)
PHILLY = ("Philadelphia", "Pennsylvania", "United States", "US", 39.9526, -75.1652)
SF = ("San Francisco", "California", "United States", "US", 37.7749, -122.4194)
CHICAGO = ("Chicago", "Illinois", "United States", "US", 41.8781, -87.6298)
AUSTIN = ("Austin", "Texas", "United States", "US", 30.2672, -97.7431)
LONDON = ("London", "England", "United Kingdom", "GB", 51.5074, -0.1278)
SEATTLE = ("Seattle", "Washington", "United States", "US", 47.6062, -122.3321)
LAGOS = ("Lagos", "Lagos", "Nigeria", "NG", 6.5244, 3.3792)
AMSTERDAM = ("Amsterdam", "North Holland", "Netherlands", "NL", 52.3676, 4.9041)
BUCHAREST = ("Bucharest", "Bucuresti", "Romania", "RO", 44.4268, 26.1025)
FRANKFURT = ("Frankfurt am Main", "Hesse", "Germany", "DE", 50.1109, 8.6821)

# Networks: (asn, asOrg, isp)
VERIZON = (701, "Verizon Business", "Verizon Fios")
COMCAST = (7922, "Comcast Cable Communications, LLC", "Comcast Cable")
ATT = (7018, "AT&T Services, Inc.", "AT&T Internet")
SPECTRUM = (11427, "Charter Communications Inc", "Spectrum")
BT = (2856, "British Telecommunications PLC", "BT")
CORPVPN = (64500, "Example Corp", "Example Corp VPN")  # the company's own egress (RFC 5398 ASN)
HOTEL = (5089, "Virgin Media Limited", "Virgin Media")
M247 = (9009, "M247 Europe SRL", "M247 Europe")
DIGITALOCEAN = (14061, "DigitalOcean, LLC", "DigitalOcean")
MTN = (29465, "MTN Nigeria Communication limited", "MTN Nigeria")
HETZNER = (24940, "Hetzner Online GmbH", "Hetzner Online")

MAC_CHROME = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
WIN_EDGE = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80"
WIN_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
PY_REQUESTS = "python-requests/2.31.0"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


class Okta:
    """Builds Okta System Log events (API shape) with deterministic uuids."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.n = 0
        self.events = []

    def uuid(self):
        self.n += 1
        return str(uuid.uuid5(NS, f"{self.scenario}/okta/{self.n}"))

    def event(self, t, event_type, user, ip, place, net, ua, session, result="SUCCESS", reason=None,
              display="User login to Okta", legacy=None, targets=None, debug=None, proxy=False, device=None):
        city, state, country, _, lat, lon = place
        asn, as_org, isp = net
        geo = {"city": city, "state": state, "country": country, "postalCode": None,
               "geolocation": {"lat": lat, "lon": lon}}
        browser = "CHROME" if "Chrome" in ua else ("FIREFOX" if "Firefox" in ua else "UNKNOWN")
        os_name = "Mac OS X" if "Macintosh" in ua else ("Windows 10" if "Windows" in ua else
                                                       ("iOS" if "iPhone" in ua else "Linux"))
        ev = {
            "actor": {"id": user["okta_id"], "type": "User", "alternateId": user["email"],
                      "displayName": user["name"], "detailEntry": None},
            "client": {"userAgent": {"rawUserAgent": ua, "os": os_name, "browser": browser},
                       "zone": "null", "device": "Computer" if "iPhone" not in ua else "Mobile",
                       "id": device, "ipAddress": ip, "geographicalContext": geo},
            "authenticationContext": {"authenticationProvider": None, "credentialProvider": None,
                                      "credentialType": None, "issuer": None, "interface": None,
                                      "authenticationStep": 0, "rootSessionId": session,
                                      "externalSessionId": session},
            "displayMessage": display,
            "eventType": event_type,
            "outcome": {"result": result, "reason": reason},
            "published": ts(t),
            "securityContext": {"asNumber": asn, "asOrg": as_org, "isp": isp, "domain": None,
                                "isProxy": proxy},
            "severity": "INFO" if result == "SUCCESS" else "WARN",
            "debugContext": {"debugData": debug or {"requestId": self.uuid()[:24]}},
            "legacyEventType": legacy,
            "transaction": {"type": "WEB", "id": self.uuid()[:24].replace("-", ""), "detail": {}},
            "uuid": self.uuid(),
            "version": "0",
            "request": {"ipChain": [{"ip": ip, "geographicalContext": geo,
                                     "version": "V6" if ":" in ip else "V4", "source": None}]},
            "target": targets or [],
        }
        self.events.append(ev)
        return ev

    def login(self, t, user, ip, place, net, ua, session, **kw):
        kw.setdefault("legacy", "core.user_auth.login_success" if kw.get("result", "SUCCESS") == "SUCCESS"
                      else "core.user_auth.login_failed")
        self.event(t, "user.session.start", user, ip, place, net, ua, session, **kw)

    def sso(self, t, user, ip, place, net, ua, session, app="Salesforce.com"):
        self.event(t, "user.authentication.sso", user, ip, place, net, ua, session,
                   display="User single sign on to app", legacy="app.auth.sso",
                   targets=[{"id": "0oa" + app[:6].lower().replace(".", "x") + "SSOapp1d7", "type": "AppInstance",
                             "alternateId": app, "displayName": app, "detailEntry": None}])

    def write(self, name):
        self.events.sort(key=lambda e: (e["published"], e["uuid"]))
        with open(os.path.join(HERE, name), "w") as f:
            for e in self.events:
                f.write(json.dumps(e, separators=(",", ":")) + "\n")


def user(name, email, okta_id, ip, place, net, ua, device):
    return {"name": name, "email": email, "okta_id": okta_id, "ip": ip, "place": place, "net": net,
            "ua": ua, "device": device}


TENANT = [
    user("Alice Nguyen", "alice@example.com", "00u1alice0000000001", "198.18.10.10", NYC, VERIZON, MAC_CHROME, "guo1alicemac"),
    user("Bob Smith", "bob@example.com", "00u1bob000000000002", "198.18.20.20", SF, COMCAST, WIN_EDGE, "guo1bobwin"),
    user("Chen Wei", "chen@example.com", "00u1chen00000000003", "198.18.30.30", CHICAGO, ATT, MAC_CHROME, "guo1chenmac"),
    user("Dana Park", "Dana.Park@example.com", "00u1dana00000000004", "198.18.40.40", NYC, SPECTRUM, MAC_CHROME, "guo1danamac"),
    user("Fatima Khan", "fatima@example.com", "00u1fatima000000005", "198.18.50.50", LONDON, BT, WIN_CHROME, "guo1fatimawin"),
    user("Greg Olsen", "greg@example.com", "00u1greg00000000006", "198.18.60.60", AUSTIN, SPECTRUM, LINUX_FIREFOX, "guo1greglinux"),
]
ALICE, BOB, CHEN, DANA, FATIMA, GREG = TENANT
# Users who exist only as spray targets: enough distinct accounts for any spray threshold (≥ 15-30).
SPRAY_TARGETS = [f"{n}@example.com" for n in (
    "aaron", "beatriz", "carlos", "deepa", "emil", "farah", "gustavo", "hana", "ivan", "jia", "kofi", "lena",
    "marco", "nadia", "oscar", "priya", "quentin", "rosa", "sven", "tariq", "uma", "victor", "wen", "ximena",
    "yusuf", "zoe")]


def workday_logins(okta, u, start, end, skip=()):
    """Two sessions a working day from the user's home network, device and browser."""
    day = start
    k = 0
    while day < end:
        if day.weekday() < 5 and day.date() not in skip:
            k += 1
            offset = {"New York": 13, "Chicago": 14, "Austin": 14, "San Francisco": 16, "London": 8}[u["place"][0]]
            t = day + timedelta(hours=offset, minutes=(k * 7) % 25)
            session = f"102{u['okta_id'][3:9]}{k:04d}am"
            okta.login(t, u, u["ip"], u["place"], u["net"], u["ua"], session, device=u["device"])
            okta.sso(t + timedelta(minutes=4), u, u["ip"], u["place"], u["net"], u["ua"], session)
            t2 = t + timedelta(hours=5, minutes=(k * 11) % 30)
            session = f"102{u['okta_id'][3:9]}{k:04d}pm"
            okta.login(t2, u, u["ip"], u["place"], u["net"], u["ua"], session, device=u["device"])
            okta.sso(t2 + timedelta(minutes=3), u, u["ip"], u["place"], u["net"], u["ua"], session, app="Slack")
        day += timedelta(days=1)


def tenant_baseline(okta, end, except_user=None, skip=()):
    for u in TENANT:
        workday_logins(okta, u, START, end, skip if u is except_user else ())


def benign():
    """Dana: home logins, the corporate VPN in the baseline, then in the last four days a trip to
    London (plausible flight), a quick hop onto the corporate VPN and an IPv6 flip at home."""
    okta = Okta("benign")
    trip = [datetime(2024, 5, 17).date()]
    tenant_baseline(okta, INCIDENT_DAY + timedelta(days=1), except_user=DANA, skip=trip)
    vpn_ip, vpn_place = "192.0.2.5", CHICAGO  # corporate VPN egress, geolocated to the Chicago POP
    for d in (1, 8, 14):  # Dana uses the VPN from home now and then
        t = START + timedelta(days=d, hours=20)
        okta.login(t, DANA, vpn_ip, vpn_place, CORPVPN, DANA["ua"], f"102vpn{d:04d}", device=DANA["device"])
    # Thursday 16th: last login at home in the afternoon, overnight flight, first London login Friday 09:05 BST.
    okta.login(datetime(2024, 5, 17, 8, 5, tzinfo=timezone.utc), DANA, "198.19.77.7", LONDON, HOTEL, DANA["ua"],
               "102danatrip0001", device=DANA["device"])
    okta.sso(datetime(2024, 5, 17, 8, 9, tzinfo=timezone.utc), DANA, "198.19.77.7", LONDON, HOTEL, DANA["ua"],
             "102danatrip0001")
    okta.login(datetime(2024, 5, 18, 9, 50, tzinfo=timezone.utc), DANA, "198.19.77.7", LONDON, HOTEL, DANA["ua"],
               "102danatrip0002", device=DANA["device"])
    # Back home on Sunday (flight lands 21:00Z); Monday: IPv6 at home, then a hop onto the VPN.
    okta.login(datetime(2024, 5, 19, 23, 0, tzinfo=timezone.utc), DANA, DANA["ip"], NYC, DANA["net"], DANA["ua"],
               "102danahome0001", device=DANA["device"])
    okta.login(datetime(2024, 5, 20, 12, 58, tzinfo=timezone.utc), DANA, "2001:db8:4a1::21", PHILLY, SPECTRUM,
               DANA["ua"], "102danav6000001", device=DANA["device"])
    okta.login(datetime(2024, 5, 20, 13, 20, tzinfo=timezone.utc), DANA, vpn_ip, vpn_place, CORPVPN, DANA["ua"],
               "102danavpn00001", device=DANA["device"])
    okta.sso(datetime(2024, 5, 20, 13, 24, tzinfo=timezone.utc), DANA, vpn_ip, vpn_place, CORPVPN, DANA["ua"],
             "102danavpn00001")
    okta.write("benign/okta.jsonl")
    with open(os.path.join(HERE, "benign/policy.toml"), "w") as f:
        f.write("# The corporate VPN egress is a trusted network: hopping onto it is not travel.\n")
        f.write('trusted_networks = ["192.0.2.0/28"]\n')


def impossible_travel():
    """Alice signs in at home in New York; 40 minutes later her password is used from Lagos."""
    okta = Okta("impossible_travel")
    tenant_baseline(okta, INCIDENT_DAY)
    t = INCIDENT_DAY + timedelta(hours=13, minutes=2)
    okta.login(t, ALICE, ALICE["ip"], NYC, VERIZON, ALICE["ua"], "102alicetoday01", device=ALICE["device"])
    okta.sso(t + timedelta(minutes=3), ALICE, ALICE["ip"], NYC, VERIZON, ALICE["ua"], "102alicetoday01")
    okta.login(t + timedelta(minutes=40), ALICE, "203.0.113.45", LAGOS, MTN, WIN_CHROME, "102attacker0001")
    okta.sso(t + timedelta(minutes=43), ALICE, "203.0.113.45", LAGOS, MTN, WIN_CHROME, "102attacker0001",
             app="Microsoft Office 365")
    okta.write("impossible_travel/okta.jsonl")


def password_spray():
    """One hosting IP tries one password against 26 accounts (and the tenant's users) in 12 minutes;
    Alice's account accepts it."""
    okta = Okta("password_spray")
    tenant_baseline(okta, INCIDENT_DAY)
    ip, place, net = "203.0.113.80", AMSTERDAM, DIGITALOCEAN
    t = INCIDENT_DAY + timedelta(hours=3)
    targets = [{"name": e.split("@")[0].title(), "email": e, "okta_id": f"00u2{e.split('@')[0][:6]:0<6}0000000",
                "device": None} for e in SPRAY_TARGETS] + [u for u in TENANT if u is not ALICE]
    for i, victim in enumerate(targets):
        okta.login(t + timedelta(seconds=25 * i), victim, ip, place, net, PY_REQUESTS, None, result="FAILURE",
                   reason="INVALID_CREDENTIALS", display="User login to Okta")
    success = t + timedelta(seconds=25 * len(targets) + 40)
    okta.login(success, ALICE, ip, place, net, PY_REQUESTS, "102sprayed00001")
    okta.sso(success + timedelta(minutes=2), ALICE, ip, place, net, PY_REQUESTS, "102sprayed00001",
             app="Microsoft Office 365")
    okta.write("password_spray/okta.jsonl")


def mfa_fatigue():
    """An attacker with Alice's password sends eight Okta Verify pushes in seven minutes; she denies
    seven and approves the eighth."""
    okta = Okta("mfa_fatigue")
    tenant_baseline(okta, INCIDENT_DAY)
    ip, place, net = "203.0.113.99", FRANKFURT, HETZNER
    session = "102bombed000001"
    t = INCIDENT_DAY + timedelta(hours=2, minutes=10)  # 22:10 New York time, Sunday night
    push_target = [{"id": "opf1aliceverify0001", "type": "AuthenticatorEnrollment", "alternateId": "unknown",
                    "displayName": "Okta Verify", "detailEntry": None}]
    factor = {"factor": "OKTA_VERIFY_PUSH", "factorIntent": "AUTHENTICATION"}
    okta.event(t, "user.authentication.auth_via_mfa", ALICE, ip, place, net, WIN_CHROME, session,
               result="SUCCESS", display="Authentication of user via MFA", legacy="core.user.factor.attempt_success",
               debug={"factor": "PASSWORD_AS_FACTOR"}, targets=[])
    for i in range(8):
        sent = t + timedelta(seconds=20 + 52 * i)
        okta.event(sent, "system.push.send_factor_verify_push", ALICE, ip, place, net, WIN_CHROME, session,
                   display="Push notification sent for verification", legacy=None, targets=push_target,
                   debug=dict(factor))
        if i < 7:
            okta.event(sent + timedelta(seconds=15), "user.mfa.okta_verify.deny_push", ALICE, ip, place, net,
                       WIN_CHROME, session, result="FAILURE", reason="INVALID_CREDENTIALS",
                       display="User rejected Okta push verify", legacy="core.user.factor.attempt_fail",
                       targets=push_target, debug=dict(factor))
        else:
            okta.event(sent + timedelta(seconds=18), "user.authentication.auth_via_mfa", ALICE, ip, place, net,
                       WIN_CHROME, session, result="SUCCESS", display="Authentication of user via MFA",
                       legacy="core.user.factor.attempt_success", targets=push_target, debug=dict(factor))
            okta.login(sent + timedelta(seconds=20), ALICE, ip, place, net, WIN_CHROME, session)
            okta.sso(sent + timedelta(seconds=50), ALICE, ip, place, net, WIN_CHROME, session,
                     app="Microsoft Office 365")
    okta.write("mfa_fatigue/okta.jsonl")


def session_hijack():
    """Alice signs in at home; 35 minutes later her Okta session (same externalSessionId) is used
    for SSO from a hosting provider with another browser: a stolen session cookie."""
    okta = Okta("session_hijack")
    tenant_baseline(okta, INCIDENT_DAY)
    session = "102aliceStolen1"
    t = INCIDENT_DAY + timedelta(hours=13, minutes=1)
    okta.login(t, ALICE, ALICE["ip"], NYC, VERIZON, ALICE["ua"], session, device=ALICE["device"])
    okta.sso(t + timedelta(minutes=2), ALICE, ALICE["ip"], NYC, VERIZON, ALICE["ua"], session)
    for i, app in enumerate(("Microsoft Office 365", "Salesforce.com", "Box")):
        okta.sso(t + timedelta(minutes=35 + 3 * i), ALICE, "203.0.113.120", AMSTERDAM, DIGITALOCEAN, LINUX_FIREFOX,
                 session, app=app)
    okta.write("session_hijack/okta.jsonl")


# --- Microsoft: Graph signIn (beta shape) and Office 365 Management Activity -------------------------

CONTOSO = [
    # upn, display, object id, ip, place, net, ua
    ("erin@contoso.com", "Erin Walsh", "8a1f0c1e-0b6d-4f55-9b0e-6d2f3c4b5a01", "198.18.110.110", SEATTLE, COMCAST, WIN_EDGE),
    ("frank@contoso.com", "Frank Osei", "8a1f0c1e-0b6d-4f55-9b0e-6d2f3c4b5a02", "198.18.120.120", SEATTLE, COMCAST, MAC_CHROME),
    ("grace@contoso.com", "Grace Lin", "8a1f0c1e-0b6d-4f55-9b0e-6d2f3c4b5a03", "198.18.130.130", SF, ATT, WIN_EDGE),
    ("hugo@contoso.com", "Hugo Brandt", "8a1f0c1e-0b6d-4f55-9b0e-6d2f3c4b5a04", "198.18.140.140", CHICAGO, SPECTRUM, WIN_CHROME),
]
TENANT_ID = "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138"


class Ms:
    def __init__(self, scenario):
        self.scenario = scenario
        self.n = 0
        self.signins = []
        self.audit = []

    def guid(self):
        self.n += 1
        return str(uuid.uuid5(NS, f"{self.scenario}/ms/{self.n}"))

    def signin(self, t, u, ip, place, net, ua, error=0, reason=None, app="Office 365 Exchange Online"):
        upn, display, oid = u[0], u[1], u[2]
        city, state, _, iso, lat, lon = place
        self.signins.append({
            "id": self.guid(),
            "createdDateTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "userDisplayName": display,
            "userPrincipalName": upn,
            "userId": oid,
            "appId": "00000002-0000-0ff1-ce00-000000000000",
            "appDisplayName": app,
            "ipAddress": ip,
            "clientAppUsed": "Browser",
            "userAgent": ua,
            "correlationId": self.guid(),
            "conditionalAccessStatus": "notApplied",
            "isInteractive": True,
            "riskDetail": "none",
            "riskLevelAggregated": "none",
            "riskLevelDuringSignIn": "none",
            "riskState": "none",
            "riskEventTypes_v2": [],
            "resourceDisplayName": "Office 365 Exchange Online",
            "resourceId": "00000002-0000-0ff1-ce00-000000000000",
            "homeTenantId": TENANT_ID,
            "authenticationRequirement": "singleFactorAuthentication",
            "signInEventTypes": ["interactiveUser"],
            "userType": "member",
            "autonomousSystemNumber": net[0],
            "status": {"errorCode": error, "failureReason": reason, "additionalDetails": None},
            "deviceDetail": {"deviceId": "", "displayName": None,
                             "operatingSystem": "Windows10" if "Windows" in ua else "MacOs",
                             "browser": "Edge 124.0.2478" if "Edg/" in ua else "Chrome 124.0.0",
                             "isCompliant": False, "isManaged": False, "trustType": None},
            "location": {"city": city, "state": state, "countryOrRegion": iso,
                         "geoCoordinates": {"altitude": None, "latitude": lat, "longitude": lon}},
            "appliedConditionalAccessPolicies": [],
        })

    def o365(self, t, record):
        base = {"CreationTime": t.strftime("%Y-%m-%dT%H:%M:%S"), "Id": self.guid(),
                "OrganizationId": TENANT_ID, "Version": 1}
        base.update(record)
        self.audit.append(base)

    def write(self, signins_name, audit_name):
        self.signins.sort(key=lambda e: (e["createdDateTime"], e["id"]))
        page = {"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns",
                "value": self.signins}
        with open(os.path.join(HERE, signins_name), "w") as f:
            json.dump(page, f, indent=2)
            f.write("\n")
        self.audit.sort(key=lambda e: (e["CreationTime"], e["Id"]))
        with open(os.path.join(HERE, audit_name), "w") as f:
            for e in self.audit:
                f.write(json.dumps(e, separators=(",", ":")) + "\n")


def takeover():
    """Erin (Entra + Exchange Online): three weeks at home in Seattle; then a sign-in from Bucharest
    through a hosting provider, and from that same IP a New-InboxRule forwarding her mail to an
    outside address and hiding it, then consent to a mail-reading app (Mail.Read offline_access)."""
    ms = Ms("takeover")
    day = START
    k = 0
    while day < INCIDENT_DAY + timedelta(days=1):
        if day.weekday() < 5:
            for u in CONTOSO:
                k += 1
                t = day + timedelta(hours=16, minutes=(k * 7) % 30)
                ms.signin(t, u, u[3], u[4], u[5], u[6])
                ms.signin(t + timedelta(hours=4, minutes=(k * 5) % 20), u, u[3], u[4], u[5], u[6],
                          app="Microsoft Teams")
                # A routine Exchange action, so O365 history exists for everyone.
                ms.o365(t + timedelta(minutes=12), {
                    "Operation": "MailItemsAccessed", "RecordType": 50, "ResultStatus": "Succeeded",
                    "UserKey": u[2], "UserType": 0, "Workload": "Exchange", "UserId": u[0],
                    "ClientIPAddress": u[3], "ClientInfoString": "Client=OWA;Action=ViaProxy",
                    "MailboxOwnerUPN": u[0], "OperationCount": 3, "LogonType": 0,
                    "ExternalAccess": False, "OrganizationName": "contoso.onmicrosoft.com",
                    "OriginatingServer": "BN8PR12MB3300 (15.20.7472.000)"})
        day += timedelta(days=1)
    erin = CONTOSO[0]
    ip = "203.0.113.66"
    t = INCIDENT_DAY + timedelta(hours=9, minutes=14)  # 02:14 in Seattle
    ms.signin(t - timedelta(minutes=3), erin, ip, BUCHAREST, M247, LINUX_FIREFOX, error=50126,
              reason="Error validating credentials due to invalid username or password.")
    ms.signin(t, erin, ip, BUCHAREST, M247, LINUX_FIREFOX)
    ms.o365(t + timedelta(minutes=9), {
        "Operation": "New-InboxRule", "RecordType": 1, "ResultStatus": "True", "UserKey": erin[2],
        "UserType": 0, "Workload": "Exchange", "ClientIP": ip, "ObjectId": f"{erin[0]}\\..",
        "UserId": erin[0], "AppId": "", "ClientAppId": "", "ExternalAccess": False,
        "OrganizationName": "contoso.onmicrosoft.com", "OriginatingServer": "BN8PR12MB3300 (15.20.7472.000)",
        "Parameters": [
            {"Name": "AlwaysDeleteOutlookRulesBlob", "Value": "False"},
            {"Name": "Force", "Value": "False"},
            {"Name": "Name", "Value": ".."},
            {"Name": "SubjectOrBodyContainsWords", "Value": "invoice;payment;wire;bank"},
            {"Name": "ForwardTo", "Value": "erin.walsh.ap@proton.me"},
            {"Name": "MarkAsRead", "Value": "True"},
            {"Name": "MoveToFolder", "Value": "RSS Subscriptions"},
            {"Name": "StopProcessingRules", "Value": "True"},
        ],
        "SessionId": "a1d0b7c3-3e0f-4c52-8b8e-2f1d9c7e6a55"})
    ms.o365(t + timedelta(minutes=21), {
        "Operation": "Consent to application.", "RecordType": 8, "ResultStatus": "Success",
        "UserKey": f"10032001C0FFEE00@contoso.com", "UserType": 0, "Workload": "AzureActiveDirectory",
        "ClientIP": ip, "ObjectId": "ServicePrincipal_5e3f2a1b-8c4d-4e6f-9a0b-1c2d3e4f5a6b",
        "UserId": erin[0], "AzureActiveDirectoryEventType": 1,
        "ExtendedProperties": [
            {"Name": "additionalDetails", "Value": json.dumps({"User-Agent": LINUX_FIREFOX})},
            {"Name": "extendedAuditEventCategory", "Value": "ServicePrincipal"}],
        "ModifiedProperties": [
            {"Name": "ConsentContext.IsAdminConsent", "NewValue": "False", "OldValue": ""},
            {"Name": "ConsentContext.IsAppOnly", "NewValue": "False", "OldValue": ""},
            {"Name": "ConsentContext.OnBehalfOfAll", "NewValue": "False", "OldValue": ""},
            {"Name": "ConsentContext.Tags", "NewValue": "WindowsAzureActiveDirectoryIntegratedApp", "OldValue": ""},
            {"Name": "ConsentAction.Permissions",
             "NewValue": "[] => [[Id: 2a3b4c5d6e7f, ClientId: 5e3f2a1b-8c4d-4e6f-9a0b-1c2d3e4f5a6b, "
                         "PrincipalId: 8a1f0c1e-0b6d-4f55-9b0e-6d2f3c4b5a01, ResourceId: "
                         "0d7c1b2a-3e4f-5a6b-7c8d-9e0f1a2b3c4d, ConsentType: Principal, Scope: Mail.Read "
                         "offline_access User.Read, CreatedDateTime: , LastModifiedDateTime ]]; ",
             "OldValue": ""},
            {"Name": "TargetId.ServicePrincipalNames", "NewValue": "5e3f2a1b-8c4d-4e6f-9a0b-1c2d3e4f5a6b",
             "OldValue": ""}],
        "Actor": [{"ID": erin[0], "Type": 5}, {"ID": erin[2], "Type": 3}, {"ID": "User", "Type": 2}],
        "ActorContextId": TENANT_ID,
        "InterSystemsId": "c0ffee00-1111-4222-8333-944455556666",
        "IntraSystemId": "c0ffee00-aaaa-4bbb-8ccc-dddd0000eeee",
        "SupportTicketId": "",
        "Target": [
            {"ID": "ServicePrincipal_5e3f2a1b-8c4d-4e6f-9a0b-1c2d3e4f5a6b", "Type": 2},
            {"ID": "5e3f2a1b-8c4d-4e6f-9a0b-1c2d3e4f5a6b", "Type": 2},
            {"ID": "ServicePrincipal", "Type": 2},
            {"ID": "Mail Sync Pro", "Type": 1},
            {"ID": "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2f10", "Type": 2}],
        "TargetContextId": TENANT_ID})
    ms.write("takeover/entra_signins.json", "takeover/o365.jsonl")


if __name__ == "__main__":
    for d in ("benign", "impossible_travel", "password_spray", "mfa_fatigue", "session_hijack", "takeover"):
        os.makedirs(os.path.join(HERE, d), exist_ok=True)
    benign()
    impossible_travel()
    password_spray()
    mfa_fatigue()
    session_hijack()
    takeover()
