//! A stateful double of the runbook's own stack on one 127.0.0.1 port, each vendor under its own
//! path prefix (`/okta`, `/chronicle`, `/soar`): Okta users, lifecycle, sessions, grants, clients,
//! tokens and factors change state as the real API does; Google SecOps SIEM answers `:udmSearch`
//! from a list of UDM events filtered by the requested time range, and the entity summary; the
//! SOAR serves one case, its search, comments and closing. Every request is recorded; one no
//! route expects, or one without the vendor's credentials, gets a 500 / 401 and is listed by
//! [`Vendors::unexpected`]. Hand-written on tokio (the connectors' double, made stateful) to
//! keep a server framework out of the build.
#![allow(dead_code)]

#[path = "../../irp-connectors/tests/support/wire.rs"]
mod wire;
pub use wire::decode;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

pub const OKTA_TOKEN: &str = "00SECRET-okta-api-token-e2e";
pub const GOOGLE_TOKEN: &str = "ya29.SECRET-google-access-token-e2e";
pub const SOAR_KEY: &str = "SECRET-soar-app-key-e2e";
pub const INSTANCE: &str = "projects/acme/locations/us/instances/0000-aaaa";
pub const USER_ID: &str = "00ub0oNGTSWTBKOLGLNR";
pub const LOGIN: &str = "jdoe@example.com";
pub const CASE: u64 = 4821;
/// The attacker's OAuth app, its grant and refresh token, and the factor enrolled after takeover.
pub const EVIL_CLIENT: &str = "0oaEVILmailsync0h7";
pub const EVIL_GRANT: &str = "oagEVIL91n9ruw3dsP0h6";
pub const EVIL_TOKEN: &str = "oarEVIL579Mcp7OUsNo0g3";
pub const EVIL_FACTOR: &str = "totpEVILgt8gzgEBPUWB";
/// The user's own app and factor, which must survive.
pub const GOOD_CLIENT: &str = "0oaGOODslack442nkvQ";
pub const GOOD_GRANT: &str = "oagGOOD0000000000001";
pub const GOOD_FACTOR: &str = "opfGOODpush000000001";

pub use wire::Recorded;

/// What only the end-to-end tests ask of a request.
impl Recorded {
    /// The body as JSON, `null` when it is not (the double then answers as the vendor would).
    pub fn body_json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// A request that changes vendor state (comments and case closing included).
    pub fn is_mutating(&self) -> bool {
        match self.method.as_str() {
            "GET" => false,
            // SOAR case search is a POST that reads.
            "POST" => !self.path.ends_with("/search/CaseSearchEverything"),
            _ => true,
        }
    }
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Reply { status, body: body.to_string().into_bytes(), delay: None }
    }
    pub fn empty(status: u16) -> Self {
        Reply { status, body: Vec::new(), delay: None }
    }
}

/// What the Okta double holds for the one user.
#[derive(Clone, Debug)]
pub struct OktaState {
    pub status: String,
    /// Status changes in order (`SUSPENDED`, `ACTIVE`, ...).
    pub transitions: Vec<String>,
    pub factors: Vec<Value>,
    /// (grant, client) pairs; a revoked grant gets `status: REVOKED`.
    pub grants: Vec<Value>,
    pub tokens: Vec<Value>,
    pub sessions_cleared: u32,
    pub password_reset: bool,
    /// `profile.secondEmail` (a recovery address an attacker may set).
    pub second_email: Option<String>,
}

/// The SOAR case and what was done to it.
#[derive(Clone, Debug, Default)]
pub struct SoarState {
    pub comments: Vec<String>,
    pub closed: Option<Value>,
}

/// Tunables of one run.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Delay of the first answer to `lifecycle/suspend` (the state changes at once).
    pub suspend_delay: Option<Duration>,
    /// The first password reset Okta would accept fails (400 E0000001) and changes nothing.
    pub fail_reset: bool,
    /// The user's `profile.secondEmail` at the start.
    pub second_email: Option<String>,
}

struct Inner {
    requests: Vec<Recorded>,
    okta: OktaState,
    soar: SoarState,
    events: Vec<Value>,
    options: Options,
    suspends_answered: u32,
}

/// The three vendors.
#[derive(Clone)]
pub struct Vendors {
    pub addr: std::net::SocketAddr,
    inner: Arc<Mutex<Inner>>,
    _rt: Arc<tokio::runtime::Runtime>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Vendors {
    /// Starts the double with `events` in the SIEM and the user's Okta state as of `now`.
    pub fn start(now: DateTime<Utc>, events: Vec<Value>, options: Options) -> Vendors {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let takeover = now - chrono::Duration::hours(3);
        let okta = OktaState {
            status: "ACTIVE".into(),
            transitions: Vec::new(),
            factors: vec![
                json!({"id": GOOD_FACTOR, "factorType": "push", "provider": "OKTA", "vendorName": "OKTA",
                    "status": "ACTIVE", "created": "2023-01-10T09:00:00.000Z", "lastUpdated": "2023-01-10T09:00:00.000Z",
                    "profile": {"credentialId": LOGIN, "deviceType": "SmartPhone_IPhone", "name": "John's iPhone",
                        "platform": "IOS", "version": "17.1"}, "_links": {}}),
                json!({"id": EVIL_FACTOR, "factorType": "token:software:totp", "provider": "GOOGLE",
                    "vendorName": "GOOGLE", "status": "ACTIVE",
                    "created": ts(takeover + chrono::Duration::minutes(10)),
                    "lastUpdated": ts(takeover + chrono::Duration::minutes(10)),
                    "profile": {"credentialId": LOGIN}, "_links": {}}),
            ],
            grants: vec![
                grant(GOOD_GRANT, GOOD_CLIENT, "okta.users.read.self", "2023-01-10T09:05:00.000Z".into()),
                grant(EVIL_GRANT, EVIL_CLIENT, "offline_access", ts(takeover + chrono::Duration::minutes(15))),
            ],
            tokens: vec![
                json!({"id": EVIL_TOKEN, "status": "ACTIVE", "created": ts(takeover + chrono::Duration::minutes(15)),
                    "lastUpdated": ts(takeover + chrono::Duration::minutes(15)),
                    "expiresAt": ts(now + chrono::Duration::days(30)), "issuer": "https://acme.okta.com/oauth2/default",
                    "clientId": EVIL_CLIENT, "userId": USER_ID, "scopes": ["offline_access", "openid"], "_links": {}}),
            ],
            sessions_cleared: 0,
            password_reset: false,
            second_email: options.second_email.clone(),
        };
        let vendors = Vendors {
            addr: listener.local_addr().unwrap(),
            inner: Arc::new(Mutex::new(Inner {
                requests: Vec::new(),
                okta,
                soar: SoarState::default(),
                events,
                options,
                suspends_answered: 0,
            })),
            _rt: Arc::new(rt),
        };
        let v = vendors.clone();
        vendors._rt.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let v = v.clone();
                tokio::spawn(async move {
                    let _ = v.serve(stream).await;
                });
            }
        });
        vendors
    }

    pub fn url(&self, prefix: &str) -> String {
        format!("http://{}{}", self.addr, prefix)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::line).collect()
    }

    /// Requests answered 500 (no route) or 401/403/411 (a vendor rule broken).
    pub fn unexpected(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| matches!(r.status, 500 | 401 | 403 | 411))
            .map(|r| format!("{} -> {}", r.line(), r.status))
            .collect()
    }

    pub fn okta(&self) -> OktaState {
        self.inner.lock().unwrap().okta.clone()
    }

    pub fn soar(&self) -> SoarState {
        self.inner.lock().unwrap().soar.clone()
    }

    async fn serve(&self, mut stream: TcpStream) -> std::io::Result<()> {
        let Some(mut req) = wire::read(&mut stream).await? else { return Ok(()) };
        let reply = {
            let mut inner = self.inner.lock().unwrap();
            let reply = inner.answer(&req);
            req.status = reply.status;
            inner.requests.push(req);
            reply
        };
        if let Some(d) = reply.delay {
            tokio::time::sleep(d).await;
        }
        let json = [("content-type".to_owned(), "application/json".to_owned())];
        let headers: &[(String, String)] = if reply.body.is_empty() { &[] } else { &json };
        wire::write(&mut stream, reply.status, headers, &reply.body).await
    }
}

fn grant(id: &str, client: &str, scope: &str, created: String) -> Value {
    json!({"id": id, "status": "ACTIVE", "created": created, "createdBy": {"id": USER_ID, "type": "User"},
        "lastUpdated": created, "issuer": "https://acme.okta.com/oauth2/default", "clientId": client,
        "scopeId": scope, "source": "END_USER", "userId": USER_ID,
        "_embedded": {"scope": {"id": scope}}, "_links": {}})
}

fn okta_error(status: u16, code: &str, summary: &str) -> Reply {
    Reply::json(
        status,
        json!({"errorCode": code, "errorSummary": summary, "errorLink": code,
            "errorId": "oaeHfmOAx1iRLa0H10DeMz5fQ", "errorCauses": []}),
    )
}

fn unexpected(req: &Recorded) -> Reply {
    Reply::json(500, json!({"error": "unexpected request", "line": req.line()}))
}

impl Inner {
    fn answer(&mut self, req: &Recorded) -> Reply {
        let path = req.path.clone();
        if let Some(rest) = path.strip_prefix("/okta/") {
            if req.header("authorization") != Some(&format!("SSWS {OKTA_TOKEN}")) {
                return okta_error(401, "E0000011", "Invalid token provided");
            }
            // Okta refuses a bodyless POST without Content-Length.
            if req.method == "POST" && req.header("content-length").is_none() {
                return okta_error(411, "E0000000", "Length Required");
            }
            return self.okta(req, rest);
        }
        if let Some(rest) = path.strip_prefix(&format!("/chronicle/v1alpha/{INSTANCE}:")) {
            if req.header("authorization") != Some(&format!("Bearer {GOOGLE_TOKEN}")) {
                return Reply::json(
                    401,
                    json!({"error": {"code": 401, "status": "UNAUTHENTICATED",
                        "message": "Request had invalid authentication credentials."}}),
                );
            }
            return self.siem(req, rest);
        }
        if let Some(rest) = path.strip_prefix("/soar/api/external/v1/") {
            if req.header("appkey") != Some(SOAR_KEY) {
                return Reply::json(401, json!({"ErrorMessage": "Unauthorized"}));
            }
            return self.soar(req, rest);
        }
        unexpected(req)
    }

    fn user(&self) -> Value {
        json!({"id": USER_ID, "status": self.okta.status, "created": "2021-06-24T16:39:18.000Z",
            "activated": "2021-06-24T16:39:19.000Z", "statusChanged": "2021-06-24T16:39:19.000Z",
            "lastLogin": "2024-01-02T17:39:19.000Z", "lastUpdated": "2024-01-02T21:36:25.344Z",
            "passwordChanged": "2024-01-02T21:36:25.344Z", "type": {"id": "oty1qmUqm9tFfJ4Ux0g4"},
            "profile": {"login": LOGIN, "email": LOGIN, "firstName": "John", "lastName": "Doe",
                "mobilePhone": "+1-555-415-1337", "secondEmail": self.okta.second_email},
            "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": format!("https://acme.okta.com/api/v1/users/{USER_ID}")}}})
    }

    fn set_status(&mut self, status: &str) {
        self.okta.status = status.to_owned();
        self.okta.transitions.push(status.to_owned());
    }

    fn okta(&mut self, req: &Recorded, rest: &str) -> Reply {
        let m = req.method.as_str();
        let parts: Vec<&str> = rest.split('/').collect();
        let user_ref = |s: &str| s == USER_ID || decode(s) == LOGIN;
        match (m, parts.as_slice()) {
            ("GET", ["api", "v1", "users"]) if req.query("limit") == Some("1") => {
                Reply::json(200, json!([self.user()]))
            }
            ("GET", ["api", "v1", "users", u]) if user_ref(u) => Reply::json(200, self.user()),
            // Partial update (POST keeps unspecified attributes): only the secondEmail removal.
            ("POST", ["api", "v1", "users", USER_ID]) => {
                if req.body_json() != json!({"profile": {"secondEmail": null}})
                    || req.header("content-type") != Some("application/json")
                {
                    return unexpected(req);
                }
                self.okta.second_email = None;
                Reply::json(200, self.user())
            }
            ("GET", ["api", "v1", "users", _]) => {
                okta_error(404, "E0000007", "Not found: Resource not found: user (User)")
            }
            ("GET", ["api", "v1", "users", USER_ID, "factors"]) => Reply::json(200, json!(self.okta.factors)),
            ("DELETE", ["api", "v1", "users", USER_ID, "factors", f]) => {
                let before = self.okta.factors.len();
                self.okta.factors.retain(|x| x["id"] != *f);
                if before == self.okta.factors.len() {
                    return okta_error(404, "E0000007", "Not found: Resource not found: factor (UserFactor)");
                }
                Reply::empty(204)
            }
            ("GET", ["api", "v1", "users", USER_ID, "clients"]) => {
                let mut clients: Vec<&str> = Vec::new();
                let active = self.okta.grants.iter().filter(|g| g["status"] == "ACTIVE");
                let live = self.okta.tokens.iter().filter(|t| t["status"] == "ACTIVE");
                for c in active.chain(live).filter_map(|g| g["clientId"].as_str()) {
                    if !clients.contains(&c) {
                        clients.push(c);
                    }
                }
                let name = |c: &str| if c == EVIL_CLIENT { "Mail Sync Pro" } else { "Slack" };
                Reply::json(
                    200,
                    json!(clients
                        .iter()
                        .map(|c| json!({"client_id": c, "client_name": name(c), "client_uri": null, "logo_uri": null,
                            "_links": {"grants": {"href": format!("https://acme.okta.com/api/v1/users/{USER_ID}/clients/{c}/grants")},
                                       "tokens": {"href": format!("https://acme.okta.com/api/v1/users/{USER_ID}/clients/{c}/tokens")}}}))
                        .collect::<Vec<_>>()),
                )
            }
            ("GET", ["api", "v1", "users", USER_ID, "grants"]) => Reply::json(200, json!(self.okta.grants)),
            ("GET", ["api", "v1", "users", USER_ID, "grants", g]) => {
                match self.okta.grants.iter().find(|x| x["id"] == *g) {
                    Some(grant) => Reply::json(200, grant.clone()),
                    None => {
                        okta_error(404, "E0000007", "Not found: Resource not found: grant (OAuth2ScopeConsentGrant)")
                    }
                }
            }
            ("DELETE", ["api", "v1", "users", USER_ID, "grants", g]) => {
                match self.okta.grants.iter_mut().find(|x| x["id"] == *g) {
                    Some(grant) => {
                        grant["status"] = json!("REVOKED");
                        Reply::empty(204)
                    }
                    None => {
                        okta_error(404, "E0000007", "Not found: Resource not found: grant (OAuth2ScopeConsentGrant)")
                    }
                }
            }
            ("GET", ["api", "v1", "users", USER_ID, "clients", c, "tokens"]) => Reply::json(
                200,
                json!(self.okta.tokens.iter().filter(|t| t["clientId"] == *c).cloned().collect::<Vec<_>>()),
            ),
            ("DELETE", ["api", "v1", "users", USER_ID, "clients", c, "tokens"]) => {
                for t in self.okta.tokens.iter_mut().filter(|t| t["clientId"] == *c) {
                    t["status"] = json!("REVOKED");
                }
                Reply::empty(204)
            }
            ("DELETE", ["api", "v1", "users", USER_ID, "sessions"]) => {
                self.okta.sessions_cleared += 1;
                if req.query("oauthTokens") == Some("true") {
                    for t in &mut self.okta.tokens {
                        t["status"] = json!("REVOKED");
                    }
                }
                Reply::empty(204)
            }
            ("POST", ["api", "v1", "users", USER_ID, "lifecycle", action]) => self.lifecycle(action, req),
            _ => unexpected(req),
        }
    }

    fn lifecycle(&mut self, action: &str, req: &Recorded) -> Reply {
        let status = self.okta.status.clone();
        match action {
            "suspend" => {
                if status != "ACTIVE" {
                    return okta_error(
                        400,
                        "E0000001",
                        "Api validation failed: Cannot suspend a user that is not active",
                    );
                }
                self.set_status("SUSPENDED");
                self.suspends_answered += 1;
                let mut reply = Reply::json(200, json!({}));
                if self.suspends_answered == 1 {
                    reply.delay = self.options.suspend_delay;
                }
                reply
            }
            "unsuspend" => {
                if status != "SUSPENDED" {
                    return okta_error(
                        400,
                        "E0000001",
                        "Api validation failed: Cannot unsuspend a user that is not suspended",
                    );
                }
                self.set_status("ACTIVE");
                Reply::json(200, json!({}))
            }
            "reset_password" | "expire_password" if status == "SUSPENDED" => {
                // "Suspended users can only be unsuspended or deactivated" (Okta spec).
                okta_error(403, "E0000038", "This operation is not allowed in the user's current status.")
            }
            "reset_password" if self.options.fail_reset => {
                self.options.fail_reset = false;
                okta_error(400, "E0000001", "Api validation failed: password")
            }
            "reset_password" if req.query("sendEmail").is_some() => {
                // The spec: the user goes to RECOVERY; the link is e-mailed.
                self.okta.password_reset = true;
                self.set_status("RECOVERY");
                Reply::json(200, json!({}))
            }
            "expire_password" => {
                self.okta.password_reset = true;
                self.set_status("PASSWORD_EXPIRED");
                Reply::json(200, self.user())
            }
            _ => unexpected(req),
        }
    }

    fn siem(&mut self, req: &Recorded, method: &str) -> Reply {
        let user_query = format!(
            "(principal.user.userid = \"{LOGIN}\" nocase OR target.user.userid = \"{LOGIN}\" nocase OR principal.user.email_addresses = \"{LOGIN}\" nocase OR target.user.email_addresses = \"{LOGIN}\" nocase)"
        );
        let range = |req: &Recorded| -> Option<(DateTime<Utc>, DateTime<Utc>)> {
            let s = req.query("timeRange.startTime")?.parse().ok()?;
            let e = req.query("timeRange.endTime")?.parse().ok()?;
            // Chronicle refuses an empty or inverted range.
            (s < e).then_some((s, e))
        };
        match (req.method.as_str(), method) {
            ("GET", "udmSearch") => {
                let Some((start, end)) = range(req) else { return unexpected(req) };
                let query = req.query("query").unwrap_or_default();
                if query == "metadata.event_type = \"USER_LOGIN\"" {
                    return Reply::json(200, json!({"events": [], "moreDataAvailable": false}));
                }
                // The tenant-wide source search: `(principal.ip = "a" OR principal.ip = "b")`.
                let sources: Option<Vec<String>> = query
                    .strip_prefix('(')
                    .and_then(|q| q.strip_suffix(')'))
                    .map(|q| {
                        q.split(" OR ")
                            .map(|p| p.strip_prefix("principal.ip = ").map(|v| v.trim_matches('"').to_owned()))
                            .collect()
                    })
                    .and_then(|ips: Vec<Option<String>>| ips.into_iter().collect());
                if query != user_query && sources.is_none() {
                    return unexpected(req);
                }
                let limit: usize = req.query("limit").and_then(|l| l.parse().ok()).unwrap_or(10_000);
                let events: Vec<Value> = self
                    .events
                    .iter()
                    .filter(|e| {
                        let t: DateTime<Utc> =
                            e["udm"]["metadata"]["eventTimestamp"].as_str().unwrap().parse().unwrap();
                        let from_source = sources.as_ref().is_none_or(|ips| {
                            e["udm"]["principal"]["ip"]
                                .as_array()
                                .is_some_and(|a| a.iter().any(|ip| ips.iter().any(|s| ip.as_str() == Some(s))))
                        });
                        t >= start && t < end && from_source
                    })
                    .cloned()
                    .collect();
                let more = events.len() > limit;
                Reply::json(
                    200,
                    json!({"events": events.into_iter().take(limit).collect::<Vec<_>>(), "moreDataAvailable": more}),
                )
            }
            ("GET", "summarizeEntitiesFromQuery") => {
                if req.query("query") != Some(&format!("email = \"{LOGIN}\"")) || range(req).is_none() {
                    return unexpected(req);
                }
                Reply::json(
                    200,
                    json!({"entitySummaries": [{"entity": [{"name": format!("{INSTANCE}/entities/1"),
                        "metadata": {"entityType": "USER"}, "entity": {"user": {"emailAddresses": [LOGIN]}},
                        "metric": {"firstSeen": "2021-06-24T16:39:18Z", "lastSeen": ts(Utc::now())}}]}]}),
                )
            }
            _ => unexpected(req),
        }
    }

    fn case_details(&self) -> Value {
        json!({"id": CASE, "title": format!("Suspicious login {LOGIN}"),
            "status": if self.soar.closed.is_some() { 2 } else { 1 },
            "priority": 80, "stage": "Triage", "environment": "Default Environment", "assignedUser": "@Tier1",
            "tags": [], "isImportant": false, "creationTimeUnixTimeInMs": Utc::now().timestamp_millis() - 3_600_000,
            "alerts": [{"identifier": "ALERT-4821", "name": "Okta ThreatInsight: suspicious sign-in",
                "additionalProperties": {"alertGroupIdentifier": "okta-threatinsight-1", "priority": "High",
                    "environment": "Default Environment"},
                "securityEventCards": [],
                "domainEntities": [{"identifier": "203.0.113.66", "entityType": "ADDRESS"},
                                   {"identifier": LOGIN.to_uppercase(), "entityType": "USERUNIQNAME"}]}]})
    }

    fn soar(&mut self, req: &Recorded, rest: &str) -> Reply {
        match (req.method.as_str(), rest) {
            ("GET", r) if r == format!("cases/GetCaseFullDetails/{CASE}") && req.query("format") == Some("camel") => {
                Reply::json(200, self.case_details())
            }
            ("POST", "search/CaseSearchEverything") => {
                let page = req.body_json()["requestedPage"].as_u64();
                let results = match page {
                    Some(0) if self.soar.closed.is_none() => {
                        vec![json!({"id": CASE, "title": format!("Suspicious login {LOGIN}"), "tags": []})]
                    }
                    Some(_) => Vec::new(),
                    None => return unexpected(req),
                };
                let n = results.len();
                Reply::json(200, json!({"results": results, "totalCount": n}))
            }
            ("POST", "cases/comments") => {
                let body = req.body_json();
                if body["case_id"] != json!(CASE) || req.query("format") != Some("snake") {
                    return unexpected(req);
                }
                self.soar.comments.push(body["comment"].as_str().unwrap_or_default().to_owned());
                Reply::empty(200)
            }
            ("POST", "cases-queue/bulk-operations/ExecuteBulkCloseCase") => {
                self.soar.closed = Some(req.body_json());
                Reply::empty(200)
            }
            _ => unexpected(req),
        }
    }
}

/// One UDM search result: an Okta sign-in as Google SecOps normalises it.
pub fn udm_login(at: DateTime<Utc>, id: &str, ip: &str, city: &str, country: &str, action: &str) -> Value {
    json!({"name": format!("{INSTANCE}/events/{id}"),
        "udm": {"metadata": {"id": id, "eventTimestamp": ts(at), "eventType": "USER_LOGIN",
                    "vendorName": "Okta", "productName": "Okta", "productEventType": "user.session.start",
                    "logType": "OKTA"},
                "principal": {"ip": [ip], "location": {"city": city, "countryOrRegion": country}},
                "target": {"user": {"userid": LOGIN, "emailAddresses": [LOGIN]}, "application": "Okta"},
                "network": {"http": {"userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"}},
                "securityResult": [{"action": [action], "summary": if action == "BLOCK" { "INVALID_CREDENTIALS" } else { "SUCCESS" }}]}})
}
