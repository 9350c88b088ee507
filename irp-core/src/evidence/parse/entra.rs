//! Microsoft Entra ID (Azure AD) records, in the three shapes they are exported in:
//!
//! * Microsoft Graph resources: `signIn` (v1.0 and beta), `directoryAudit`, `riskDetection`
//!   (`/identityProtection/riskDetections`) and security alerts (`/security/alerts_v2` and the legacy
//!   `/security/alerts`).
//! * The Azure Monitor diagnostic-settings wrapper (`{"time", "category": "SignInLogs", "operationName",
//!   "properties": {<Graph resource>}, "callerIpAddress", ...}`), as sent to Event Hubs, storage
//!   accounts and Panther.
//! * Sentinel / Log Analytics table rows (`SigninLogs`, `AADNonInteractiveUserSignInLogs`, `AuditLogs`,
//!   `AADUserRiskEvents`) with PascalCase columns; their `dynamic` columns may arrive as JSON text.
//!
//! Each shape is reduced to the Graph resource plus an optional outer wrapper, then handed to the
//! module for that resource: `signin`, `audit` or `alert`.

mod alert;
mod audit;
mod signin;

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::fields::{self, get, path, str_at};
use super::{FieldError, ParseResult};
use crate::evidence::{Geo, RiskLevel, Text};

pub(crate) use audit::{directory_change_kind, ChangeContext, ModifiedProperty};

/// Diagnostic-settings categories (and Sentinel table names) that carry sign-ins.
const SIGNIN_CATEGORIES: &[&str] = &[
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
];

/// Categories / tables that carry directory audits.
const AUDIT_CATEGORIES: &[&str] = &["AuditLogs"];

/// Categories / tables that carry Identity Protection risk detections.
const RISK_CATEGORIES: &[&str] = &["UserRiskEvents", "AADUserRiskEvents"];

/// Which Graph resource a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    SignIn,
    Audit,
    RiskDetection,
    Alert,
}

/// True when `record` looks like an Entra record in any of the three shapes.
pub fn looks_like(record: &Value) -> bool {
    if let Some(props) = diagnostic_properties(record) {
        return category_resource(record).is_some()
            || str_at(record, &["resourceId"]).is_some_and(|r| r.to_ascii_lowercase().contains("microsoft.aadiam"))
            || classify(props).is_some();
    }
    if path(record, &["TimeGenerated"]).is_some() {
        return category_resource(record).is_some() || classify(record).is_some();
    }
    classify(record).is_some()
}

/// Parses one Entra record.
pub fn parse(record: &Value) -> ParseResult {
    let (resource, outer, hint) = match diagnostic_properties(record) {
        Some(props) => (Cow::Borrowed(props), Some(record), category_resource(record)),
        None => (expand_json_columns(record), None, category_resource(record)),
    };
    let kind = hint.or_else(|| classify(&resource)).ok_or_else(|| {
        FieldError::new("<record>", "not a sign-in, directory audit, risk detection or security alert")
    })?;
    match kind {
        Resource::SignIn => signin::parse(&resource, outer),
        Resource::Audit => audit::parse(&resource, outer),
        Resource::RiskDetection => alert::parse_risk_detection(&resource, outer),
        Resource::Alert => alert::parse_alert(&resource),
    }
}

/// The Graph resource inside an Azure Monitor diagnostic record, when `record` is one.
fn diagnostic_properties(record: &Value) -> Option<&Value> {
    let props = get(record, "properties").filter(|p| p.is_object())?;
    (path(record, &["time"]).is_some() && path(record, &["operationName"]).is_some()).then_some(props)
}

/// The resource named by a diagnostic `category` or a Sentinel `Type` column.
fn category_resource(record: &Value) -> Option<Resource> {
    let is = |list: &[&str], v: &str| list.iter().any(|c| c.eq_ignore_ascii_case(v));
    for key in ["category", "Type"] {
        if let Some(v) = str_at(record, &[key]) {
            if is(SIGNIN_CATEGORIES, v) {
                return Some(Resource::SignIn);
            }
            if is(AUDIT_CATEGORIES, v) {
                return Some(Resource::Audit);
            }
            if is(RISK_CATEGORIES, v) {
                return Some(Resource::RiskDetection);
            }
        }
    }
    None
}

/// Recognises a Graph resource (or a Sentinel row) by the fields only that resource has.
fn classify(res: &Value) -> Option<Resource> {
    let has = |k: &str| path(res, &[k]).is_some();
    if has("riskEventType") && (has("detectedDateTime") || has("activityDateTime")) {
        return Some(Resource::RiskDetection);
    }
    if has("activityDisplayName") && (has("activityDateTime") || has("TimeGenerated")) {
        return Some(Resource::Audit);
    }
    if has("title") && has("severity") && has("createdDateTime") {
        return Some(Resource::Alert);
    }
    let timed = has("createdDateTime") || has("TimeGenerated");
    let status = path(res, &["status", "errorCode"]).is_some() || has("ResultType") && has("UserPrincipalName");
    if timed && (status || has("userPrincipalName") && (has("ipAddress") || has("appDisplayName"))) {
        return Some(Resource::SignIn);
    }
    None
}

/// Sentinel exports store `dynamic` columns (`LocationDetails`, `Status`, `InitiatedBy`,
/// `TargetResources`, ...) as JSON text. Returns the row with those columns decoded, borrowing
/// when there is nothing to decode (the Graph and diagnostic shapes never need it).
pub(crate) fn expand_json_columns(record: &Value) -> Cow<'_, Value> {
    let Some(map) = record.as_object() else {
        return Cow::Borrowed(record);
    };
    if !map.values().any(|v| decode_json_text(v).is_some()) {
        return Cow::Borrowed(record);
    }
    let expanded: Map<String, Value> =
        map.iter().map(|(k, v)| (k.clone(), decode_json_text(v).unwrap_or_else(|| v.clone()))).collect();
    Cow::Owned(Value::Object(expanded))
}

/// A JSON object or array stored as text, decoded; `None` for anything else.
pub(crate) fn decode_json_text(v: &Value) -> Option<Value> {
    let s = v.as_str()?.trim_start();
    if !(s.starts_with('{') || s.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(s).ok().filter(|d| d.is_object() || d.is_array())
}

/// An object at `keys`, decoding JSON text.
pub(crate) fn object_at<'a>(obj: &'a Value, keys: &[&str]) -> Option<Cow<'a, Value>> {
    let v = path(obj, keys)?;
    if v.is_object() {
        return Some(Cow::Borrowed(v));
    }
    decode_json_text(v).filter(Value::is_object).map(Cow::Owned)
}

/// Graph's risk level enum; `hidden` (no P2 licence) and `unknownFutureValue` are unknown.
pub(crate) fn risk_level(s: &str) -> Option<RiskLevel> {
    match s.to_ascii_lowercase().as_str() {
        "none" => Some(RiskLevel::None),
        "low" => Some(RiskLevel::Low),
        "medium" => Some(RiskLevel::Medium),
        "high" => Some(RiskLevel::High),
        _ => None,
    }
}

/// An admin (or Entra's AI) has judged the risk not real: the level no longer counts.
pub(crate) fn risk_cleared(risk_state: Option<&str>) -> bool {
    risk_state.is_some_and(|s| s.eq_ignore_ascii_case("dismissed") || s.eq_ignore_ascii_case("confirmedSafe"))
}

/// Graph's `signInLocation` (`city`, `state`, `countryOrRegion`, `geoCoordinates`).
pub(crate) fn geo(location: &Value) -> Option<Geo> {
    // Entra writes "Unknown" when its geo-IP lookup has nothing; that is not a place.
    let text = |k: &str| str_at(location, &[k]).filter(|s| !s.eq_ignore_ascii_case("unknown")).map(Text::from);
    let g = Geo {
        lat: fields::f64_at(location, &["geoCoordinates", "latitude"]),
        lon: fields::f64_at(location, &["geoCoordinates", "longitude"]),
        city: text("city"),
        region: text("state"),
        country: text("countryOrRegion"),
        accuracy_radius_km: None,
    };
    (g != Geo::default()).then_some(g)
}

/// Normalises an authentication method as Entra names it into the short factor names used by
/// the other parsers (`push`, `sms`, `call`, `otp`, `fido2`, `email`); unknown names pass through.
pub(crate) fn factor_name(method: &str) -> Text {
    let m = method.to_ascii_lowercase();
    let short = if m.contains("notification") || m.contains("authenticator app") || m == "microsoft authenticator" {
        "push"
    } else if m.contains("text message") || m.contains("sms") {
        "sms"
    } else if m.contains("phone call") || m.contains("voice") {
        "call"
    } else if m.contains("verification code") || m.contains("oath") || m.contains("otp") {
        "otp"
    } else if m.contains("fido") || m.contains("security key") || m.contains("passkey") {
        "fido2"
    } else if m.contains("email") {
        "email"
    } else {
        return method.trim().into();
    };
    short.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sentinel_json_text_columns_are_decoded() {
        let row = json!({"TimeGenerated": "2024-01-01T00:00:00Z", "LocationDetails": "{\"city\":\"Oslo\"}", "UserPrincipalName": "a@b.c"});
        let expanded = expand_json_columns(&row);
        assert_eq!(str_at(&expanded, &["LocationDetails", "city"]), Some("Oslo"));
        assert_eq!(str_at(&expanded, &["UserPrincipalName"]), Some("a@b.c"));
    }

    #[test]
    fn vendors_are_not_confused() {
        let okta = json!({"eventType": "user.session.start", "published": "2024-01-01T00:00:00Z", "actor": {}});
        let workspace = json!({"id": {"applicationName": "login", "time": "2024-01-01T00:00:00Z"}, "events": []});
        let o365 = json!({"CreationTime": "2024-01-01T00:00:00", "Operation": "UserLoggedIn", "Workload": "AzureActiveDirectory", "UserId": "a@b.c"});
        let azure_activity = json!({"time": "2024-01-01T00:00:00Z", "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "category": "Administrative", "resourceId": "/subscriptions/x", "properties": {"statusCode": "Created"}});
        for r in [okta, workspace, o365, azure_activity] {
            assert!(!looks_like(&r), "{r}");
        }
    }

    #[test]
    fn factor_names() {
        assert_eq!(factor_name("Mobile app notification"), "push");
        assert_eq!(factor_name("Text message"), "sms");
        assert_eq!(factor_name("OATH verification code"), "otp");
        assert_eq!(factor_name("Windows Hello for Business"), "Windows Hello for Business");
    }
}
