//! The Microsoft Graph connector against a local double speaking Graph's and Entra's shapes
//! (`vendor-apis.md` §2, the Graph docs examples): token flow and caching, exact calls, errors,
//! throttling, pagination, OData escaping, secrecy.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use irp_connectors::graph::{Graph, GraphConfig, GraphPasswordReset};
use irp_connectors::http::{HttpDeps, HttpSettings, RecordingSleeper, SecretSource};
use irp_connectors::{
    AccountStatus, ErrorKind, EventPager, EventQuery, FactorKind, IdentityProvider, Mailbox, ManualClock, Siem,
    TimeWindow,
};
use irp_core::evidence::{EventKind, UserId};
use serde_json::{json, Value};
use support::{Double, Reply};

const SECRET: &str = "Zx8Q~client-SECRET-value";
const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
const ID: &str = "26be570a-ae82-4189-b4e2-a37c6808512d";
const UPN: &str = "testaccount1@contoso.com";
const SELECT: &str =
    "id,userPrincipalName,displayName,accountEnabled,lastPasswordChangeDateTime,passwordProfile,mobilePhone,otherMails";
const TOKEN_PATH: &str = "/login/contoso.onmicrosoft.com/oauth2/v2.0/token";

struct Env {
    d: Double,
    graph: Graph,
    sleeper: RecordingSleeper,
    clock: Arc<ManualClock>,
    /// The access token the double accepts.
    valid: Arc<Mutex<String>>,
}

fn token_reply(token: &str, expires_in: u64) -> Reply {
    Reply::json(
        200,
        json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": token}),
    )
}

fn graph_error(code: &str, message: &str, request_id: &str) -> Value {
    json!({"error": {"code": code, "message": message,
        "innerError": {"date": "2024-05-01T09:00:00", "request-id": request_id, "client-request-id": request_id}}})
}

fn config(d: &Double) -> GraphConfig {
    std::env::set_var("IRP_TEST_GRAPH_SECRET", SECRET);
    GraphConfig::new(TENANT, CLIENT, SecretSource::Env { env: "IRP_TEST_GRAPH_SECRET".into() })
        .with_endpoints(d.url("/login"), d.url("/graph/v1.0"))
}

async fn env_with(cfg: impl FnOnce(GraphConfig) -> GraphConfig) -> Env {
    let d = Double::start().await;
    let valid = Arc::new(Mutex::new("eyJ0-token-1".to_owned()));
    let v = valid.clone();
    // Graph's own rule: every call carries the current bearer token, else 401.
    d.guard(move |r| {
        if !r.path.starts_with("/graph/") {
            return None;
        }
        let want = format!("Bearer {}", v.lock().unwrap());
        (r.header("authorization") != Some(want.as_str())).then(|| {
            Reply::json(
                401,
                graph_error("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", "r-401"),
            )
            .header("www-authenticate", "Bearer error=\"invalid_token\"")
        })
    });
    d.on("POST", TOKEN_PATH, token_reply("eyJ0-token-1", 3599));
    let sleeper = RecordingSleeper::new();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()));
    let graph = Graph::with_deps(&cfg(config(&d)), HttpDeps::for_tests(sleeper.clone(), clock.clone())).unwrap();
    Env { d, graph, sleeper, clock, valid }
}

async fn env() -> Env {
    env_with(|c| c).await
}

fn g(rest: &str) -> String {
    format!("/graph/v1.0{rest}")
}

fn user_json(enabled: bool) -> Value {
    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)/$entity",
        "id": ID, "userPrincipalName": UPN, "displayName": "Test Contoso", "accountEnabled": enabled,
        "lastPasswordChangeDateTime": "2024-04-02T10:00:00Z",
        "passwordProfile": {"password": null, "forceChangePasswordNextSignIn": true, "forceChangePasswordNextSignInWithMfa": false}, "mobilePhone": "+1 425 555 0109", "otherMails": ["test@fabrikam.com"]})
}

fn with_user(d: &Double, enabled: bool) {
    d.on("GET", &g(&format!("/users/{UPN}")), Reply::json(200, user_json(enabled)).header("request-id", "r-user"));
}

fn user_line() -> String {
    format!("GET /graph/v1.0/users/{UPN}?$select={SELECT}")
}

fn methods() -> Value {
    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users('x')/authentication/methods", "value": [
        {"@odata.type": "#microsoft.graph.passwordAuthenticationMethod", "id": "28c10230-6103-485e-b985-444c60001490", "password": null, "createdDateTime": "2024-04-02T10:00:00Z"},
        {"@odata.type": "#microsoft.graph.fido2AuthenticationMethod", "id": "-2_GRUg2-HYz6_1YG4YRAQ2", "displayName": "Red key", "creationDateTime": "2020-08-10T06:44:09Z", "aaGuid": "2fc0579f-8113-47ea-b116-bb5a8db9202a", "model": "NFC key", "attestationCertificates": ["dbe793efdf1945e2df25d93653a1e8a3268a9075"], "attestationLevel": "attested"},
        {"@odata.type": "#microsoft.graph.phoneAuthenticationMethod", "id": "3179e48a-750b-4051-897c-87b9720928f7", "phoneNumber": "+1 2065555555", "phoneType": "mobile", "smsSignInState": "notAllowedByPolicy"}
    ]})
}

fn grants() -> Value {
    json!({"value": [
        {"clientId": "85477313-ea43-4c7d-b8a4-54fed35d0b60", "consentType": "Principal", "id": "E3NHhUPqfUy4pFT-010LYFo5-ycA-_5Fhl7nHbaJ7qACy1R9o6oWQJ-cpLSUIt2b",
         "principalId": ID, "resourceId": "27fb395a-fb00-45fe-865e-e71db689eea0", "scope": " Mail.Read offline_access"},
        {"clientId": "85477313-ea43-4c7d-b8a4-54fed35d0b60", "consentType": "AllPrincipals", "id": "tenantWideGrant",
         "principalId": null, "resourceId": "27fb395a-fb00-45fe-865e-e71db689eea0", "scope": "User.Read"}
    ]})
}

#[tokio::test]
async fn token_request_is_exact_and_cached_and_get_user_reads_methods_and_own_grants() {
    let e = env().await;
    with_user(&e.d, true);
    e.d.on("GET", &g(&format!("/users/{ID}/authentication/methods")), Reply::json(200, methods()));
    e.d.on("GET", &g(&format!("/users/{ID}/oauth2PermissionGrants")), Reply::json(200, grants()));
    let mut consent = consent_audit(UPN, "2024-04-30T22:15:00Z");
    consent["targetResources"][0]["id"] = json!("85477313-EA43-4c7d-b8a4-54fed35d0b60");
    let mut failed = consent_audit(UPN, "2024-04-30T23:00:00Z");
    failed["result"] = json!("failure");
    e.d.on("GET", &g("/auditLogs/directoryAudits"), Reply::json(200, json!({"value": [consent, failed]})));
    e.d.on(
        "GET",
        &g("/servicePrincipals/85477313-ea43-4c7d-b8a4-54fed35d0b60"),
        Reply::json(
            200,
            json!({"id": "85477313-ea43-4c7d-b8a4-54fed35d0b60", "appId": "a1b2", "displayName": "Mail Sync Pro"}),
        ),
    );
    e.d.on(
        "GET",
        &g(&format!("/users/{ID}/memberOf/microsoft.graph.directoryRole")),
        Reply::json(200, json!({"value": [{"@odata.type": "#microsoft.graph.directoryRole", "id": "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "displayName": "Global Reader"}]})),
    );
    let u = e.graph.get_user(&UserId::new(UPN)).await.unwrap();
    assert_eq!(u.admin_roles, ["Global Reader"]);
    assert_eq!(u.id, ID);
    assert_eq!(u.login.as_str(), UPN);
    assert_eq!(u.status, AccountStatus::Active);
    assert_eq!(u.display_name.as_deref(), Some("Test Contoso"));
    assert_eq!(u.recovery_email.as_deref(), Some("test@fabrikam.com"));
    assert_eq!(u.credential_version, 1_712_052_000_000);
    assert!(u.password_change_required);
    let f: Vec<_> = u.factors.iter().map(|f| (f.id.as_str(), f.kind.clone(), f.detail.clone())).collect();
    assert_eq!(
        f,
        [
            ("-2_GRUg2-HYz6_1YG4YRAQ2", FactorKind::Webauthn, Some("Red key".into())),
            ("3179e48a-750b-4051-897c-87b9720928f7", FactorKind::Sms, Some("…5555".into())),
        ]
    );
    assert_eq!(u.grants.len(), 1, "the tenant-wide grant is not the user's");
    assert_eq!(u.grants[0].app, "Mail Sync Pro");
    assert_eq!(u.grants[0].scopes, ["Mail.Read", "offline_access"]);
    assert_eq!(u.grants[0].granted_at.unwrap().to_rfc3339(), "2024-04-30T22:15:00+00:00", "dated by the consent audit");
    assert_eq!(
        e.d.lines(),
        [
            format!("POST {TOKEN_PATH}"),
            user_line(),
            format!("GET /graph/v1.0/users/{ID}/authentication/methods"),
            format!("GET /graph/v1.0/users/{ID}/oauth2PermissionGrants"),
            format!("GET /graph/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Consent to application' and initiatedBy/user/id eq '{ID}'&$top=100"),
            "GET /graph/v1.0/servicePrincipals/85477313-ea43-4c7d-b8a4-54fed35d0b60?$select=id,appId,displayName"
                .to_owned(),
            format!("GET /graph/v1.0/users/{ID}/memberOf/microsoft.graph.directoryRole?$select=id,displayName"),
        ]
    );
    let reqs = e.d.requests();
    let token = &reqs[0];
    assert_eq!(token.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(token.header("authorization"), None);
    let form = String::from_utf8(token.body.clone()).unwrap();
    assert_eq!(
        form,
        format!(
            "client_id={CLIENT}&scope=http%3A%2F%2F{}%2F.default&client_secret=Zx8Q%7Eclient-SECRET-value&grant_type=client_credentials",
            e.d.addr.to_string().replace(':', "%3A")
        )
    );
    assert!(reqs[1..].iter().all(|r| r.header("authorization") == Some("Bearer eyJ0-token-1")));
    let shown = format!("{:?}", e.graph);
    assert!(!shown.contains("eyJ0-token") && !shown.contains(SECRET), "{shown}");
}

#[tokio::test]
async fn hostile_and_odd_upns_stay_one_path_segment() {
    let e = env().await;
    e.d.on("GET", &g("/users/a%2F..%2F..%2Fgroups%3Fx"), Reply::json(200, user_json(false)));
    e.d.on("GET", "/graph/v1.0/users('$adele''s@contoso.com')", Reply::json(200, user_json(false)));
    e.d.on("GET", &g("/users/adele_fabrikam.com%23ext%23@contoso.onmicrosoft.com"), Reply::json(200, user_json(false)));
    for upn in ["a/../../groups?x", "$adele's@contoso.com", "adele_fabrikam.com#EXT#@contoso.onmicrosoft.com"] {
        // Disabling an already disabled account reads it and sends nothing else.
        e.graph.disable_user(&UserId::new(upn)).await.unwrap_or_else(|err| panic!("{err} {:?}", e.d.lines()));
    }
    let lines = e.d.lines();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[1], format!("GET /graph/v1.0/users/a%2F..%2F..%2Fgroups%3Fx?$select={SELECT}"));
    assert_eq!(lines[2], format!("GET /graph/v1.0/users('$adele''s@contoso.com')?$select={SELECT}"));
}

#[tokio::test]
async fn disable_and_enable_patch_account_enabled_by_object_id() {
    let e = env().await;
    with_user(&e.d, true);
    e.d.on("PATCH", &g(&format!("/users/{ID}")), Reply::empty(204));
    with_user(&e.d, false);
    e.d.on("PATCH", &g(&format!("/users/{ID}")), Reply::empty(204));
    e.graph.disable_user(&UserId::new(UPN)).await.unwrap();
    e.graph.enable_user(&UserId::new(UPN)).await.unwrap();
    assert_eq!(
        e.d.lines(),
        [
            format!("POST {TOKEN_PATH}"),
            user_line(),
            format!("PATCH /graph/v1.0/users/{ID}"),
            user_line(),
            format!("PATCH /graph/v1.0/users/{ID}"),
        ]
    );
    let reqs = e.d.requests();
    assert_eq!(reqs[2].json(), json!({"accountEnabled": false}));
    assert_eq!(reqs[2].header("content-type"), Some("application/json"));
    assert_eq!(reqs[4].json(), json!({"accountEnabled": true}));
}

#[tokio::test]
async fn revoke_sessions_accepts_the_real_200_true_and_the_documented_204() {
    let e = env().await;
    let path = g(&format!("/users/{ID}/revokeSignInSessions"));
    with_user(&e.d, true);
    e.d.on(
        "POST",
        &path,
        Reply::json(
            200,
            json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", "value": true}),
        ),
    );
    with_user(&e.d, true);
    e.d.on("POST", &path, Reply::empty(204));
    assert_eq!(e.graph.terminate_sessions(&UserId::new(UPN), true).await.unwrap(), 0);
    assert_eq!(e.graph.terminate_sessions(&UserId::new(UPN), false).await.unwrap(), 0);
    let reqs = e.d.requests();
    assert_eq!(reqs[2].line(), format!("POST {path}"));
    assert!(reqs[2].body.is_empty());
    assert_eq!(reqs[2].header("content-length"), Some("0"));
    assert_eq!(reqs.len(), 5);
}

#[tokio::test]
async fn reset_password_app_only_is_refused_with_the_delegated_only_explanation() {
    let e = env().await;
    with_user(&e.d, true);
    e.d.on(
        "GET",
        &g(&format!("/users/{ID}/authentication/passwordMethods")),
        Reply::json(200, json!({"value": [{"id": "28c10230-6103-485e-b985-444c60001490", "password": null}]})),
    );
    e.d.on(
        "POST",
        &g(&format!("/users/{ID}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword")),
        Reply::json(403, graph_error("accessDenied", "Request Authorization failed for adele@contoso.com", "r-403"))
            .header("request-id", "r-403"),
    );
    let err = e.graph.reset_password(&UserId::new(UPN)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission);
    assert_eq!(err.status(), Some(403));
    let shown = err.to_string();
    assert!(shown.starts_with("graph.reset_password: permission denied (HTTP 403): Graph allows resetPassword only with a delegated token"), "{shown}");
    assert!(shown.contains("UserAuthenticationMethod.ReadWrite.All"));
    assert!(shown.ends_with("vendor code accessDenied, request id r-403"), "{shown}");
    assert!(!shown.contains("adele"));
    let post = &e.d.requests()[3];
    assert_eq!(post.json(), json!({}));
}

#[tokio::test]
async fn reset_password_where_permitted_returns_the_generated_password_only_as_a_secret() {
    let e = env().await;
    with_user(&e.d, true);
    e.d.on(
        "GET",
        &g(&format!("/users/{ID}/authentication/passwordMethods")),
        Reply::json(200, json!({"value": [{"id": "28c10230-6103-485e-b985-444c60001490"}]})),
    );
    e.d.on(
        "POST",
        &g(&format!("/users/{ID}/authentication/methods/28c10230-6103-485e-b985-444c60001490/resetPassword")),
        Reply::json(202, json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordResetResponse", "newPassword": "Cuyo5459"}))
            .header("location", "https://graph.microsoft.com/v1.0/users/x/authentication/operations/88e7560c?aadgdc=DUB02P&aadgsu=ssprprod-a")
            .header("retry-after", "2"),
    );
    let reset = e.graph.reset_password(&UserId::new(UPN)).await.unwrap();
    assert_eq!(reset.temporary_password.as_ref().unwrap().expose_secret(), "Cuyo5459");
    assert!(!format!("{reset:?}").contains("Cuyo5459"));
    assert!(e.sleeper.waits().is_empty(), "a 202 is not polled");

    let off = env_with(|c| c.with_password_reset(GraphPasswordReset::Disabled)).await;
    let err = off.graph.reset_password(&UserId::new(UPN)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(off.d.lines().is_empty());
}

#[tokio::test]
async fn remove_factor_deletes_from_the_per_type_collection() {
    let e = env().await;
    for _ in 0..3 {
        with_user(&e.d, true);
        e.d.on("GET", &g(&format!("/users/{ID}/authentication/methods")), Reply::json(200, methods()));
    }
    e.d.on(
        "DELETE",
        &g(&format!("/users/{ID}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7")),
        Reply::empty(204),
    );
    let user = UserId::new(UPN);
    e.graph.remove_factor(&user, "3179e48a-750b-4051-897c-87b9720928f7").await.unwrap();
    let pw = e.graph.remove_factor(&user, "28c10230-6103-485e-b985-444c60001490").await.unwrap_err();
    assert_eq!(pw.kind(), ErrorKind::Unsupported);
    let missing = e.graph.remove_factor(&user, "nope").await.unwrap_err();
    assert!(missing.is_not_found());
    let deletes: Vec<_> = e.d.lines().into_iter().filter(|l| l.starts_with("DELETE")).collect();
    assert_eq!(
        deletes,
        [format!("DELETE /graph/v1.0/users/{ID}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7")]
    );
}

#[tokio::test]
async fn identity_protection_feedback_posts_the_user_id() {
    let e = env().await;
    with_user(&e.d, false);
    e.d.on("POST", &g("/identityProtection/riskyUsers/confirmCompromised"), Reply::empty(204));
    with_user(&e.d, false);
    e.d.on("POST", &g("/identityProtection/riskyUsers/dismiss"), Reply::empty(204));
    e.graph.confirm_compromised(&UserId::new(UPN)).await.unwrap();
    e.graph.dismiss_risky_user(&UserId::new(UPN)).await.unwrap();
    let reqs = e.d.requests();
    assert_eq!(reqs[2].line(), "POST /graph/v1.0/identityProtection/riskyUsers/confirmCompromised");
    assert_eq!(reqs[2].json(), json!({"userIds": [ID]}));
    assert_eq!(reqs[4].line(), "POST /graph/v1.0/identityProtection/riskyUsers/dismiss");
    assert_eq!(reqs[4].json(), json!({"userIds": [ID]}));
}

#[tokio::test]
async fn inbox_rules_across_pages_with_every_target_and_delete_one() {
    let e = env().await;
    let rules = g(&format!("/users/{ID}/mailFolders/inbox/messageRules"));
    with_user(&e.d, true);
    let next = e.d.url(&format!("{rules}?$skiptoken=p2"));
    e.d.on(
        "GET",
        &rules,
        Reply::json(200, json!({"@odata.context": "x", "@odata.nextLink": next, "value": [
            {"id": "AQAAAJ5dZqA=", "displayName": "From partner", "sequence": 2, "isEnabled": true, "hasError": false, "isReadOnly": false,
             "conditions": {"senderContains": ["ADELE"]},
             "actions": {"stopProcessingRules": true, "forwardTo": [{"emailAddress": {"name": "Alex Wilbur", "address": "AlexW@contoso.onmicrosoft.com"}}]}}]})),
    );
    e.d.on(
        "GET",
        &rules,
        Reply::json(200, json!({"value": [
            {"id": "AQAAAJ5dZqB=", "displayName": ".", "sequence": 1, "isEnabled": true,
             "actions": {"redirectTo": [{"emailAddress": {"address": "drop@evil.example"}}],
                         "forwardAsAttachmentTo": [{"emailAddress": {"address": "copy@evil.example"}}],
                         "moveToFolder": "AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OAAuAAAAAAAiQ8W967B7TKBjgx9rVEURAQAiIsqMbYjsT5e-T7KzowPTAAAAAAEMAAA=", "markAsRead": true}}]})),
    );
    let got = e.graph.list_inbox_rules(&UserId::new(UPN)).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].forward_to, ["AlexW@contoso.onmicrosoft.com"]);
    assert!(!got[0].hides_mail);
    assert_eq!(got[1].name, ".");
    assert_eq!(got[1].forward_to, ["copy@evil.example"]);
    assert_eq!(got[1].redirect_to, ["drop@evil.example"]);
    assert!(got[1].hides_mail);
    with_user(&e.d, true);
    e.d.on("DELETE", &format!("{rules}/AQAAAJ5dZqB="), Reply::empty(204));
    e.graph.delete_inbox_rule(&UserId::new(UPN), "AQAAAJ5dZqB=").await.unwrap();
    assert_eq!(
        e.d.lines(),
        [
            format!("POST {TOKEN_PATH}"),
            user_line(),
            format!("GET {rules}"),
            format!("GET {rules}?$skiptoken=p2"),
            user_line(),
            format!("DELETE {rules}/AQAAAJ5dZqB="),
        ]
    );
}

#[tokio::test]
async fn mailbox_forwarding_is_reported_unsupported_not_absent() {
    let e = env().await;
    let err = e.graph.get_forwarding(&UserId::new(UPN)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("ForwardingSmtpAddress"));
    assert_eq!(e.graph.clear_forwarding(&UserId::new(UPN)).await.unwrap_err().kind(), ErrorKind::Unsupported);
    assert!(e.d.lines().is_empty());
    let checked = env_with(|c| c.with_assume_no_mailbox_forwarding(true)).await;
    assert_eq!(checked.graph.get_forwarding(&UserId::new(UPN)).await.unwrap(), None);
    checked.graph.clear_forwarding(&UserId::new(UPN)).await.unwrap();
    assert!(checked.d.lines().is_empty());
}

#[tokio::test]
async fn grants_are_the_users_own_and_a_tenant_wide_grant_is_never_deleted() {
    let e = env().await;
    let own = "E3NHhUPqfUy4pFT-010LYFo5-ycA-_5Fhl7nHbaJ7qACy1R9o6oWQJ-cpLSUIt2b";
    with_user(&e.d, true);
    e.d.on("GET", &g(&format!("/users/{ID}/oauth2PermissionGrants")), Reply::json(200, grants()));
    // Without AuditLog.Read.All the grant is undated; without Application.Read.All it is listed
    // under its client id.
    e.d.on(
        "GET",
        &g("/auditLogs/directoryAudits"),
        Reply::json(
            403,
            graph_error("Authorization_RequestDenied", "Insufficient privileges to complete the operation.", "r0"),
        ),
    );
    e.d.on(
        "GET",
        &g("/servicePrincipals/85477313-ea43-4c7d-b8a4-54fed35d0b60"),
        Reply::json(
            403,
            graph_error("Authorization_RequestDenied", "Insufficient privileges to complete the operation.", "r1"),
        ),
    );
    let listed = e.graph.list_oauth_grants(&UserId::new(UPN)).await.unwrap();
    assert_eq!(
        listed.iter().map(|g| (g.id.as_str(), g.app.as_str())).collect::<Vec<_>>(),
        [(own, "85477313-ea43-4c7d-b8a4-54fed35d0b60")]
    );

    with_user(&e.d, true);
    e.d.on("GET", &g(&format!("/oauth2PermissionGrants/{own}")), Reply::json(200, grants()["value"][0].clone()));
    e.d.on("DELETE", &g(&format!("/oauth2PermissionGrants/{own}")), Reply::empty(204));
    e.graph.revoke_oauth_grant(&UserId::new(UPN), own).await.unwrap();

    with_user(&e.d, true);
    e.d.on("GET", &g("/oauth2PermissionGrants/tenantWideGrant"), Reply::json(200, grants()["value"][1].clone()));
    let err = e.graph.revoke_grant(&UserId::new(UPN), "tenantWideGrant").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let deletes: Vec<_> = e.d.lines().into_iter().filter(|l| l.starts_with("DELETE")).collect();
    assert_eq!(deletes, [format!("DELETE /graph/v1.0/oauth2PermissionGrants/{own}")]);
}

fn sign_in(id: &str, upn: &str, at: &str, ip: &str, country: &str) -> Value {
    let mut v: Value = serde_json::from_str(include_str!(
        "../../testdata/samples/msgraph_docs/signin-list_example1_response.repaired.json"
    ))
    .unwrap();
    let mut s = v["value"][0].take();
    s["id"] = json!(id);
    s["userPrincipalName"] = json!(upn);
    s["createdDateTime"] = json!(at);
    s["ipAddress"] = json!(ip);
    s["location"]["countryOrRegion"] = json!(country);
    s
}

fn consent_audit(upn: &str, at: &str) -> Value {
    json!({"id": "Directory_0b0c7ee4-1c5a-4f8a-9d7e-6b1e1b9f0c11_ABC12_123456", "category": "ApplicationManagement",
        "correlationId": "0b0c7ee4-1c5a-4f8a-9d7e-6b1e1b9f0c11", "result": "success", "resultReason": "",
        "activityDisplayName": "Consent to application", "activityDateTime": at, "loggedByService": "Core Directory",
        "operationType": "Assign",
        "initiatedBy": {"user": {"id": ID, "displayName": null, "userPrincipalName": upn, "ipAddress": "203.0.113.9"}},
        "targetResources": [{"id": "4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21", "displayName": "Mail Helper", "type": "ServicePrincipal",
            "modifiedProperties": [
                {"displayName": "ConsentContext.IsAdminConsent", "oldValue": null, "newValue": "\"False\""},
                {"displayName": "ConsentAction.Permissions", "oldValue": null, "newValue": "\"[] => [[Id: NlodSowqi0qbLY96HD5dIQ, ClientId: 4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21, PrincipalId: 87d349ed-44d7-43e1-9a83-5f2406dee5bd, ResourceId: 0d2f5969-011b-460d-ac74-3291d227d49f, ConsentType: Principal, Scope: Mail.Read offline_access, CreatedDateTime: , LastModifiedDateTime ]]; \""}]}],
        "additionalDetails": [{"key": "User-Agent", "value": "EvoSTS"}]})
}

#[tokio::test]
async fn audit_log_walks_sign_ins_then_directory_audits_with_escaped_filters() {
    let e = env().await;
    let upn = "o'brien@x.com' or 1 eq 1";
    let signins = g("/auditLogs/signIns");
    let audits = g("/auditLogs/directoryAudits");
    let next = e.d.url(&format!("{signins}?$top=2&$filter=x&$skiptoken=9177f2e3532fcd4c4d225f68f7b9bdf7_1"));
    e.d.on(
        "GET",
        &signins,
        Reply::json(200, json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns", "@odata.nextLink": next,
            "value": [sign_in("s2", upn, "2024-05-01T08:30:00Z", "198.51.100.7", "RU"), sign_in("s1", upn, "2024-05-01T07:00:00Z", "131.107.159.37", "US")]})),
    );
    // A page may be empty and still link on; the walk follows it.
    let next2 = e.d.url(&format!("{signins}?$skiptoken=p3"));
    e.d.on("GET", &signins, Reply::json(200, json!({"value": [], "@odata.nextLink": next2})));
    e.d.on(
        "GET",
        &signins,
        Reply::json(200, json!({"value": [sign_in("s0", upn, "2024-05-01T06:00:00Z", "131.107.159.37", "US")]})),
    );
    e.d.on("GET", &audits, Reply::json(200, json!({"value": [consent_audit(upn, "2024-05-01T08:40:00Z")]})));
    let window = TimeWindow::new(
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
    );
    let source = e.graph.audit_log();
    let query = EventQuery::new(UserId::new(upn), window).with_page_size(2);
    let events = EventPager::new(&source, query).collect_all().await.unwrap();
    let ids: Vec<_> = events.iter().map(|ev| ev.vendor.event_id.clone().unwrap_or_default()).collect();
    assert_eq!(ids, ["s2", "s1", "s0", "Directory_0b0c7ee4-1c5a-4f8a-9d7e-6b1e1b9f0c11_ABC12_123456"]);
    assert_eq!(events[0].country(), Some("RU"));
    assert!(
        matches!(&events[3].kind, EventKind::OAuthGrant { app, scopes, .. } if app == "Mail Helper" && scopes == &["Mail.Read", "offline_access"])
    );
    let reqs = e.d.requests();
    assert_eq!(reqs.len(), 5);
    assert_eq!(reqs[1].path, signins);
    assert_eq!(
        reqs[1].query,
        [
            ("$filter".to_owned(), "userPrincipalName eq 'o''brien@x.com'' or 1 eq 1' and createdDateTime ge 2024-05-01T00:00:00Z and createdDateTime lt 2024-05-01T09:00:00Z".to_owned()),
            ("$top".to_owned(), "2".to_owned()),
        ]
    );
    assert_eq!(reqs[2].line(), format!("GET {signins}?$top=2&$filter=x&$skiptoken=9177f2e3532fcd4c4d225f68f7b9bdf7_1"));
    assert_eq!(reqs[3].line(), format!("GET {signins}?$skiptoken=p3"));
    assert_eq!(reqs[4].path, audits);
    assert_eq!(
        reqs[4].query("$filter"),
        Some("activityDateTime ge 2024-05-01T00:00:00Z and activityDateTime lt 2024-05-01T09:00:00Z and (initiatedBy/user/userPrincipalName eq 'o''brien@x.com'' or 1 eq 1' or targetResources/any(t:t/userPrincipalName eq 'o''brien@x.com'' or 1 eq 1'))")
    );
}

#[tokio::test]
async fn sign_ins_by_source_ip_cover_every_account_in_the_window() {
    let e = env().await;
    let signins = g("/auditLogs/signIns");
    let next = e.d.url(&format!("{signins}?$skiptoken=p2"));
    e.d.on(
        "GET",
        &signins,
        Reply::json(
            200,
            json!({"value": [sign_in("a", UPN, "2024-05-01T08:30:00Z", "203.0.113.9", "RU")], "@odata.nextLink": next}),
        ),
    );
    e.d.on(
        "GET",
        &signins,
        Reply::json(
            200,
            json!({"value": [sign_in("b", "other@contoso.com", "2024-05-01T08:31:00Z", "203.0.113.9", "RU")]}),
        ),
    );
    let window = TimeWindow::new(
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
    );
    let ips = ["203.0.113.9".parse().unwrap(), "2001:db8::9".parse().unwrap()];
    let events = e.graph.audit_log().events_from_sources(&ips, window, 1000).await.unwrap();
    let users: Vec<&str> = events.iter().map(|ev| ev.user.as_str()).collect();
    assert_eq!(users, [UPN, "other@contoso.com"]);
    let reqs = e.d.requests();
    assert_eq!(reqs[1].path, signins);
    assert_eq!(
        reqs[1].query("$filter"),
        Some("(ipAddress eq '203.0.113.9' or ipAddress eq '2001:db8::9') and createdDateTime ge 2024-05-01T00:00:00Z and createdDateTime lt 2024-05-01T09:00:00Z")
    );
    assert_eq!(reqs[1].query("$top"), Some("999"));
    assert_eq!(reqs[2].line(), format!("GET {signins}?$skiptoken=p2"));
    assert_eq!(reqs.len(), 3);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_not_followed_with_the_token() {
    let e = env().await;
    e.d.on(
        "GET",
        &g("/auditLogs/signIns"),
        Reply::json(
            200,
            json!({"value": [], "@odata.nextLink": "https://evil.example/v1.0/auditLogs/signIns?$skiptoken=x"}),
        ),
    );
    let window = TimeWindow::new(
        Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap(),
    );
    let source = e.graph.audit_log();
    let err = EventPager::new(&source, EventQuery::new(UserId::new(UPN), window)).collect_all().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(e.d.lines().len(), 2);
}

#[tokio::test]
async fn throttling_waits_the_fractional_retry_after_and_503_is_retried_for_reads() {
    let e = env().await;
    let throttled = Reply::json(
        429,
        json!({"error": {"code": "TooManyRequests", "innerError": {"code": "429", "date": "2020-08-18T12:51:51", "message": "Please retry after",
            "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", "status": "429"}, "message": "Please retry again later."}}),
    )
    .header("retry-after", "2.128")
    .header("request-id", "94fb3b52-452a-4535-a601-69e0a90e3aa2");
    e.d.on("GET", &g(&format!("/users/{UPN}")), throttled.clone());
    e.d.on(
        "GET",
        &g(&format!("/users/{UPN}")),
        Reply::json(503, graph_error("serviceNotAvailable", "x", "r503")).header("retry-after", "7"),
    );
    with_user(&e.d, true);
    e.d.on("PATCH", &g(&format!("/users/{ID}")), throttled);
    e.d.on("PATCH", &g(&format!("/users/{ID}")), Reply::empty(204));
    e.graph.disable_user(&UserId::new(UPN)).await.unwrap();
    assert_eq!(e.sleeper.waits(), [Duration::from_millis(2128), Duration::from_secs(7), Duration::from_millis(2128)]);
    assert_eq!(e.d.lines().iter().filter(|l| l.starts_with("PATCH")).count(), 2);
    assert_eq!(e.d.lines().iter().filter(|l| l.starts_with("POST")).count(), 1, "one token for all of it");
}

#[tokio::test]
async fn a_long_retry_after_fails_at_once_with_the_wait_and_request_id() {
    let e = env_with(|c| c.with_http(HttpSettings::default().with_max_wait(Duration::from_secs(30)))).await;
    e.d.always(
        "GET",
        &g(&format!("/users/{UPN}")),
        Reply::json(429, graph_error("TooManyRequests", "Please retry again later.", "rq-1"))
            .header("retry-after", "120")
            .header("request-id", "rq-1"),
    );
    let err = e.graph.get_user(&UserId::new(UPN)).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.to_string().ends_with("vendor code TooManyRequests, request id rq-1"), "{err}");
    assert!(e.sleeper.waits().is_empty());
}

#[tokio::test]
async fn the_token_is_refreshed_before_expiry_and_once_on_a_401() {
    let e = env().await;
    with_user(&e.d, true);
    e.graph.enable_user(&UserId::new(UPN)).await.unwrap();
    // 54 minutes later the 3599 s token is inside the 5-minute margin: a new one is fetched first.
    e.clock.advance(chrono::Duration::minutes(56));
    *e.valid.lock().unwrap() = "eyJ0-token-2".into();
    e.d.on("POST", TOKEN_PATH, token_reply("eyJ0-token-2", 3599));
    with_user(&e.d, true);
    e.d.on("PATCH", &g(&format!("/users/{ID}")), Reply::empty(204));
    e.graph.disable_user(&UserId::new(UPN)).await.unwrap();
    // Graph revokes the token early: the 401 fetches a new token and the call is sent once more.
    *e.valid.lock().unwrap() = "eyJ0-token-3".into();
    e.d.on("POST", TOKEN_PATH, token_reply("eyJ0-token-3", 3599));
    with_user(&e.d, true);
    e.d.on("POST", &g(&format!("/users/{ID}/revokeSignInSessions")), Reply::empty(204));
    e.graph.terminate_sessions(&UserId::new(UPN), true).await.unwrap();
    let reqs = e.d.requests();
    let summary: Vec<String> =
        reqs.iter().map(|r| format!("{} {}", r.line(), r.header("authorization").unwrap_or("-"))).collect();
    assert_eq!(
        summary,
        [
            format!("POST {TOKEN_PATH} -"),
            format!("{} Bearer eyJ0-token-1", user_line()),
            format!("POST {TOKEN_PATH} -"),
            format!("{} Bearer eyJ0-token-2", user_line()),
            format!("PATCH /graph/v1.0/users/{ID} Bearer eyJ0-token-2"),
            format!("{} Bearer eyJ0-token-2", user_line()),
            format!("POST {TOKEN_PATH} -"),
            format!("{} Bearer eyJ0-token-3", user_line()),
            format!("POST /graph/v1.0/users/{ID}/revokeSignInSessions Bearer eyJ0-token-3"),
        ]
    );

    // A token Graph keeps rejecting is retried once, not forever.
    *e.valid.lock().unwrap() = "never-issued".into();
    e.d.on("POST", TOKEN_PATH, token_reply("eyJ0-token-4", 3599));
    let err = e.graph.get_user(&UserId::new(UPN)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.to_string().contains("vendor code InvalidAuthenticationToken"));
    assert_eq!(e.d.requests().len(), reqs.len() + 3);
}

#[tokio::test]
async fn permission_errors_name_the_missing_permission_and_keep_code_and_request_id() {
    let e = env().await;
    with_user(&e.d, true);
    e.d.on(
        "PATCH",
        &g(&format!("/users/{ID}")),
        Reply::json(
            403,
            graph_error(
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
                "7ad5a3a1-0000",
            ),
        )
        .header("request-id", "7ad5a3a1-0000"),
    );
    let err = e.graph.disable_user(&UserId::new(UPN)).await.unwrap_err();
    assert!(err.is_permission());
    assert!(!err.maybe_executed());
    assert_eq!(err.vendor_code(), Some("Authorization_RequestDenied"));
    assert_eq!(err.request_id(), Some("7ad5a3a1-0000"), "kept for the case comment");
    assert_eq!(
        err.to_string(),
        "graph.disable_user: permission denied (HTTP 403): the app registration needs the Microsoft Graph \
         application permission User.EnableDisableAccount.All (with admin consent), see docs/CONNECTORS.md; \
         vendor code Authorization_RequestDenied, request id 7ad5a3a1-0000"
    );
    assert_eq!(e.d.lines().iter().filter(|l| l.starts_with("PATCH")).count(), 1, "a 403 is not retried");

    e.d.on(
        "GET",
        &g(&format!("/users/{UPN}")),
        Reply::json(404, graph_error("Request_ResourceNotFound", &format!("Resource '{UPN}' does not exist"), "r404")),
    );
    let err = e.graph.get_user(&UserId::new(UPN)).await.unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.to_string().contains(UPN), "{err}");
}

#[tokio::test]
async fn a_rejected_client_secret_is_an_authentication_error_without_the_secret() {
    let d = Double::start().await;
    d.on(
        "POST",
        TOKEN_PATH,
        Reply::json(401, json!({"error": "invalid_client",
            "error_description": format!("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{CLIENT}'. {SECRET}"),
            "error_codes": [7000215], "timestamp": "2024-05-01 09:00:00Z", "trace_id": "0c1f0d5e-3c1b-4a2e-9b1a-1f2e3d4c5b6a",
            "correlation_id": "a1b2c3d4-0000-0000-0000-000000000000", "error_uri": "https://login.microsoftonline.com/error?code=7000215"})),
    );
    let cfg = config(&d);
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()));
    let graph = Graph::with_deps(&cfg, HttpDeps::for_tests(RecordingSleeper::new(), clock)).unwrap();
    let err = graph.get_user(&UserId::new(UPN)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert_eq!(
        err.to_string(),
        "graph.token: not authenticated (HTTP 401): the token request was rejected: check tenant_id, client_id, \
         the client secret (expired?) and that the app registration exists in this tenant; error invalid_client, \
         AADSTS7000215, trace id 0c1f0d5e-3c1b-4a2e-9b1a-1f2e3d4c5b6a"
    );
    let all = format!("{err} {err:?} {graph:?} {cfg:?}");
    assert!(!all.contains(SECRET) && !all.contains("client-SECRET"), "{all}");
    assert_eq!(d.lines(), [format!("POST {TOKEN_PATH}")], "no Graph call without a token");
}

#[tokio::test]
async fn the_token_endpoint_is_retried_after_its_retry_after() {
    let d = Double::start().await;
    d.on(
        "POST",
        TOKEN_PATH,
        Reply::json(429, json!({"error": "temporarily_unavailable", "error_codes": [50196]}))
            .header("retry-after", "0.5"),
    );
    d.on("POST", TOKEN_PATH, token_reply("eyJ0-token-1", 3599));
    d.on("GET", &g("/users"), Reply::json(200, json!({"value": [{"id": ID}]})));
    let sleeper = RecordingSleeper::new();
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap()));
    let graph = Graph::with_deps(&config(&d), HttpDeps::for_tests(sleeper.clone(), clock)).unwrap();
    let h = IdentityProvider::health_check(&graph).await.unwrap();
    assert_eq!(h.connector, "graph");
    assert_eq!(sleeper.waits(), [Duration::from_millis(500)]);
    assert_eq!(
        d.lines(),
        [
            format!("POST {TOKEN_PATH}"),
            format!("POST {TOKEN_PATH}"),
            "GET /graph/v1.0/users?$top=1&$select=id".to_owned()
        ]
    );
}

#[test]
fn config_from_toml_with_national_cloud_endpoints_and_defaults() {
    let cfg: GraphConfig = toml::from_str(
        "tenant_id = \"contoso.onmicrosoft.us\"\nclient_id = \"abc\"\nclient_secret = { env = \"GRAPH_SECRET\" }\n\
         authority = \"https://login.microsoftonline.us\"\nbase_url = \"https://graph.microsoft.us/v1.0\"\n[http]\nmax_retries = 1\n",
    )
    .unwrap();
    assert_eq!(cfg.authority, "https://login.microsoftonline.us");
    assert_eq!(cfg.password_reset, GraphPasswordReset::ResetPassword);
    assert_eq!(cfg.http.max_retries, 1);
    let min: GraphConfig =
        toml::from_str("tenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = { file = \"/run/secrets/graph\" }\n")
            .unwrap();
    assert_eq!(min.base_url, "https://graph.microsoft.com/v1.0");
    assert_eq!(min.authority, "https://login.microsoftonline.com");
    assert!(
        toml::from_str::<GraphConfig>("tenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = \"inline\"\n").is_err()
    );
    assert!(toml::from_str::<GraphConfig>(
        "tenant_id = \"t\"\nclient_id = \"c\"\nclient_secret = { env = \"X\" }\nsecret = 1\n"
    )
    .is_err());
}
