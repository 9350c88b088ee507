//! Google SecOps / Chronicle UDM events: the camelCase proto-JSON of API responses
//! (`metadata.eventTimestamp`, `securityResult`) and the snake_case JSON of the ingestion API
//! (`metadata.event_timestamp`, `security_result`), bare or wrapped as UDM search returns them
//! (`{"name": ..., "udm": {...}}`; the SDK's `{"event": {...}}` is unwrapped by the dispatcher).

use serde_json::Value;

use super::fields::{self, str_at};
use super::{FieldError, ParseResult};
use crate::evidence::{
    Event, EventKind, Format, Geo, Network, Outcome, OutcomeResult, Target, Text, UserId, VendorRef,
};

/// The event inside a UDM search result wrapper, or the record itself.
fn inner(record: &Value) -> &Value {
    match record.get("udm") {
        Some(udm @ Value::Object(_)) => udm,
        _ => record,
    }
}

/// Reads a field under its camelCase or snake_case name.
fn get2<'a>(v: &'a Value, camel: &str, snake: &str) -> Option<&'a Value> {
    fields::get(v, camel).or_else(|| fields::get(v, snake)).filter(|v| !v.is_null())
}

/// True when `record` is a UDM event: `metadata` with an event type or timestamp.
pub fn looks_like(record: &Value) -> bool {
    let Some(meta) = inner(record).get("metadata") else { return false };
    ["eventType", "event_type", "eventTimestamp", "event_timestamp"].iter().any(|k| meta.get(*k).is_some())
}

/// Parses one UDM event.
pub fn parse(record: &Value) -> ParseResult {
    let udm = inner(record);
    let meta = get2(udm, "metadata", "metadata").ok_or_else(|| FieldError::new("metadata", "missing"))?;
    let event_type = get2(meta, "eventType", "event_type").and_then(Value::as_str).unwrap_or("GENERIC_EVENT");
    let time_field = if meta.get("eventTimestamp").is_some() { "eventTimestamp" } else { "event_timestamp" };
    let time = get2(meta, "eventTimestamp", "event_timestamp")
        .ok_or_else(|| FieldError::new("metadata.eventTimestamp", "missing timestamp"))
        .and_then(|v| {
            udm_time(v).ok_or_else(|| {
                FieldError::new(format!("metadata.{time_field}"), format!("not a timestamp: {}", fields::short(v)))
            })
        })?;

    let principal = get2(udm, "principal", "principal");
    let target = get2(udm, "target", "target");
    let principal_user = principal.and_then(user_of);
    let target_user = target.and_then(user_of);
    let kind = match event_type {
        "USER_LOGIN" => EventKind::Login,
        "USER_LOGOUT" => EventKind::Logout,
        "USER_CHANGE_PASSWORD" => EventKind::PasswordChange,
        "USER_CHANGE_PERMISSIONS" => EventKind::PrivilegeGrant { role: None },
        "USER_RESOURCE_ACCESS" => {
            EventKind::FileAccess { object: target.and_then(|t| str_at(t, &["resource", "name"])).map(Text::from) }
        }
        _ => EventKind::Other,
    };
    // The account a login or account change concerns is the target user; the principal is who
    // acted (and the only user some parsers fill in).
    let (user, actor) = match (target_user, principal_user) {
        (Some(t), Some(p)) if !t.eq_ignore_ascii_case(p) && kind != EventKind::Other => (t, Some(UserId::new(p))),
        (Some(t), _) => (t, None),
        (None, Some(p)) => (p, None),
        (None, None) => return Ok(None),
    };

    let outcome = outcome(udm);
    let id = str_at(meta, &["id"]).map(Text::from);
    let mut event = Event::new(id.clone().unwrap_or_default(), time, user, kind, outcome);
    event.actor = actor;
    if let Some(p) = principal {
        event.network = network(udm, p);
        event.device_id = get2(p, "asset", "asset")
            .and_then(|a| get2(a, "assetId", "asset_id"))
            .or_else(|| get2(p, "assetId", "asset_id"))
            .and_then(Value::as_str)
            .map(Text::from);
    }
    event.user_agent = get2(udm, "network", "network")
        .and_then(|n| get2(n, "http", "http"))
        .and_then(|h| get2(h, "userAgent", "user_agent"))
        .and_then(Value::as_str)
        .map(Text::from);
    event.session_id = get2(udm, "network", "network")
        .and_then(|n| get2(n, "sessionId", "session_id"))
        .and_then(Value::as_str)
        .map(Text::from);
    event.app = target.and_then(|t| get2(t, "application", "application")).and_then(Value::as_str).map(Text::from);
    if let Some(t) = target {
        if let Some(host) = str_at(t, &["hostname"]) {
            event.targets.push(Target { kind: Some("host".into()), id: None, name: Some(host.into()) });
        }
    }
    event.vendor = VendorRef { format: Format::Udm, event_type: event_type.into(), event_id: id };
    Ok(Some(event))
}

/// proto-JSON renders a Timestamp as RFC 3339; the ingestion JSON may use `{seconds, nanos}`.
fn udm_time(v: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Some(secs) = v.get("seconds") {
        let secs = match secs {
            Value::Number(n) => n.as_i64()?,
            Value::String(s) => s.parse().ok()?,
            _ => return None,
        };
        let nanos = v.get("nanos").and_then(Value::as_u64).unwrap_or(0);
        return chrono::DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?);
    }
    fields::parse_time(v)
}

/// `user.userid`, else the first of `user.emailAddresses`.
fn user_of(noun: &Value) -> Option<&str> {
    let user = get2(noun, "user", "user")?;
    str_at(user, &["userid"]).or_else(|| match get2(user, "emailAddresses", "email_addresses") {
        Some(Value::Array(a)) => a.iter().find_map(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    })
}

/// `securityResult` is repeated and so is its `action`; some renderings flatten either.
fn outcome(udm: &Value) -> Outcome {
    let results: Vec<&Value> = match get2(udm, "securityResult", "security_result") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let mut result = OutcomeResult::Unknown;
    let mut reason = None;
    for r in results {
        let actions: Vec<&str> = match r.get("action") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => vec![s.as_str()],
            _ => Vec::new(),
        };
        for a in actions {
            let this = match a {
                "ALLOW" | "ALLOW_WITH_MODIFICATION" => OutcomeResult::Success,
                "BLOCK" | "QUARANTINE" | "FAIL" => OutcomeResult::Failure,
                "CHALLENGE" => OutcomeResult::Challenge,
                _ => continue,
            };
            // A block anywhere wins over an allow elsewhere.
            if result != OutcomeResult::Failure {
                result = this;
            }
        }
        if reason.is_none() {
            reason = str_at(r, &["summary"]).map(Text::from);
        }
    }
    Outcome { result, reason }
}

fn network(udm: &Value, principal: &Value) -> Network {
    let ip = match get2(principal, "ip", "ip") {
        Some(Value::Array(ips)) => ips.iter().filter_map(Value::as_str).find_map(fields::parse_ip),
        Some(Value::String(s)) => fields::parse_ip(s),
        _ => None,
    };
    let geo = get2(principal, "location", "location").map(|l| {
        let coords = get2(l, "regionCoordinates", "region_coordinates");
        Geo {
            lat: coords
                .and_then(|c| fields::f64_at(c, &["latitude"]))
                .or_else(|| get2(l, "regionLatitude", "region_latitude").and_then(Value::as_f64)),
            lon: coords
                .and_then(|c| fields::f64_at(c, &["longitude"]))
                .or_else(|| get2(l, "regionLongitude", "region_longitude").and_then(Value::as_f64)),
            city: str_at(l, &["city"]).map(Text::from),
            region: str_at(l, &["state"]).map(Text::from),
            country: get2(l, "countryOrRegion", "country_or_region").and_then(Value::as_str).map(Text::from),
            accuracy_radius_km: None,
        }
    });
    let asn = get2(udm, "network", "network").and_then(|n| fields::u32_at(n, &["asn"]));
    Network { ip, geo, asn, ..Network::default() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn snake_case_ingestion_shape() {
        let r = json!({"metadata": {"event_timestamp": "2024-01-01T00:00:00Z", "event_type": "USER_LOGIN", "id": "m1"},
            "principal": {"ip": ["198.51.100.7"], "location": {"city": "Paris", "country_or_region": "France",
                "region_coordinates": {"latitude": 48.85, "longitude": 2.35}}},
            "target": {"user": {"email_addresses": ["Eve@Example.com"]}},
            "network": {"asn": "3215", "http": {"user_agent": "curl/8"}},
            "security_result": [{"action": ["BLOCK"]}, {"action": ["ALLOW"]}]});
        let e = parse(&r).unwrap().unwrap();
        assert_eq!(e.user.as_str(), "eve@example.com");
        assert_eq!(e.kind, EventKind::Login);
        assert!(e.outcome.is_failure());
        assert_eq!(e.network.asn, Some(3215));
        assert_eq!(e.country(), Some("France"));
        assert_eq!(e.network.geo.as_ref().and_then(Geo::coordinates), Some((48.85, 2.35)));
        assert_eq!(e.user_agent.as_deref(), Some("curl/8"));
        assert_eq!(e.id.as_str(), "m1");
    }

    #[test]
    fn search_wrapper_and_seconds_timestamp() {
        let r = json!({"name": "projects/p/events/x", "udm": {
            "metadata": {"eventTimestamp": {"seconds": 1704067200, "nanos": 0}, "eventType": "USER_LOGIN"},
            "principal": {"user": {"userid": "jdoe"}}}});
        assert!(looks_like(&r));
        let e = parse(&r).unwrap().unwrap();
        assert_eq!(e.user.as_str(), "jdoe");
        assert_eq!(e.time.timestamp(), 1_704_067_200);
    }
}
