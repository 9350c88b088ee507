//! Tolerant field access shared by the vendor parsers.
//!
//! Real exports vary: Panther lower-cases some keys (`eventtype`), Sentinel flattens nested
//! objects into `a_b_c_s` columns and stringifies arrays, timestamps come with and without
//! offsets. These helpers absorb that so each parser reads like the vendor's schema.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::FieldError;
use crate::evidence::Text;

/// `obj[key]`, matching the key exactly first and then ASCII-case-insensitively.
pub fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    let map = obj.as_object()?;
    get_in_map(map, key)
}

/// Same as [`get`] over a map.
pub fn get_in_map<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    if let Some(v) = map.get(key) {
        return Some(v);
    }
    map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// Follows a path of keys (each matched as in [`get`]); `null` counts as absent.
pub fn path<'a>(obj: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    let mut cur = obj;
    for key in keys {
        cur = get(cur, key)?;
    }
    (!cur.is_null()).then_some(cur)
}

/// A non-empty string at `keys` (the literal string `"null"` counts as absent, as Okta's
/// `zone: "null"` shows it is used as one).
pub fn str_at<'a>(obj: &'a Value, keys: &[&str]) -> Option<&'a str> {
    match path(obj, keys)? {
        Value::String(s) if !s.is_empty() && s != "null" => Some(s.as_str()),
        _ => None,
    }
}

/// An owned non-empty string at `keys`; numbers are rendered as text.
pub fn string_at(obj: &Value, keys: &[&str]) -> Option<Text> {
    match path(obj, keys)? {
        Value::String(s) if !s.is_empty() && s != "null" => Some(Text::new(s)),
        Value::Number(n) => Some(n.to_string().into()),
        _ => None,
    }
}

/// A number at `keys`, accepting numeric strings (flattened exports stringify numbers).
pub fn f64_at(obj: &Value, keys: &[&str]) -> Option<f64> {
    match path(obj, keys)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean at `keys`, accepting `"true"`/`"false"` strings.
pub fn bool_at(obj: &Value, keys: &[&str]) -> Option<bool> {
    match path(obj, keys)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Parses the timestamp shapes seen in real exports into a UTC instant:
/// RFC 3339 (`2024-05-01T09:00:00.000Z`, `+02:00`), ISO without an offset (O365 `CreationTime`,
/// taken as UTC), Panther's `2022-12-14 19:16:32.015`, and epoch seconds / milliseconds /
/// microseconds as numbers.
pub fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(s) => parse_time_str(s),
        Value::Number(n) => {
            let x = n.as_i64()?;
            // Pick the unit from the magnitude: seconds until year ~5138, then ms, then µs.
            if x.abs() < 100_000_000_000 {
                Utc.timestamp_opt(x, 0).single()
            } else if x.abs() < 100_000_000_000_000 {
                Utc.timestamp_millis_opt(x).single()
            } else {
                Some(Utc.timestamp_nanos(x.checked_mul(1000)?))
            }
        }
        _ => None,
    }
}

/// String form of [`parse_time`].
pub fn parse_time_str(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    // `2024-05-01 09:00:00.000Z` / `+0000` style.
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    None
}

/// The required timestamp of a record: the first of `candidates` (each a key path) present.
/// Errors name the first candidate when none is present, or the bad one when it does not parse.
pub fn required_time(record: &Value, candidates: &[&[&str]]) -> Result<DateTime<Utc>, FieldError> {
    for keys in candidates {
        if let Some(v) = path(record, keys) {
            return parse_time(v)
                .ok_or_else(|| FieldError::new(keys.join("."), format!("not a timestamp: {}", short(v))));
        }
    }
    let first = candidates.first().map(|k| k.join(".")).unwrap_or_default();
    Err(FieldError::new(first, "missing timestamp"))
}

/// A short rendering of a JSON value for error messages (never a whole record: records carry PII).
pub fn short(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 60 {
        let mut cut = 57;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Parses an IP address, tolerating `ip:port` and bracketed IPv6 (`[::1]:443`).
pub fn parse_ip(s: &str) -> Option<std::net::IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    None
}

/// A JSON array at `keys`; flattened exports store arrays as JSON text, which is parsed.
pub fn array_at(obj: &Value, keys: &[&str]) -> Vec<Value> {
    match path(obj, keys) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(s)) if s.trim_start().starts_with('[') => match serde_json::from_str(s) {
            Ok(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// A non-negative integer at `keys` that fits in `u32` (AS numbers), accepting numeric strings and
/// whole floats (`10993.0`, as flattened exports render them).
pub fn u32_at(obj: &Value, keys: &[&str]) -> Option<u32> {
    let x = f64_at(obj, keys)?;
    (x.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&x)).then_some(x as u32)
}

/// Rebuilds the nested record from Log Analytics (Sentinel) custom-log columns such as
/// `client_geographicalContext_city_s` or `target_s`.
///
/// The type suffix (`_s` string, `_d` double, `_b` bool, `_g` guid, `_t` time) is dropped, the rest
/// split on `_` into a path (vendor field names are camelCase, so `_` only separates levels).
/// Empty cells are dropped, and cells holding JSON arrays or objects as text (stringified
/// `target_s`) are parsed. Columns without a type suffix (`TenantId`, `Type`) are kept as is.
pub fn unflatten_columns(flat: &Map<String, Value>) -> Value {
    let mut root = Map::new();
    for (column, cell) in flat {
        let Some(path) = column.strip_suffix(['s', 'd', 'b', 'g', 't']).and_then(|c| c.strip_suffix('_')) else {
            root.entry(column.clone()).or_insert_with(|| cell.clone());
            continue;
        };
        let value = match cell {
            Value::String(s) if s.is_empty() => continue,
            Value::String(s) if s.trim_start().starts_with(['[', '{']) => {
                serde_json::from_str(s).unwrap_or_else(|_| cell.clone())
            }
            other => other.clone(),
        };
        let mut parts = path.split('_').filter(|p| !p.is_empty()).peekable();
        let mut node = &mut root;
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.entry(part.to_owned()).or_insert(value);
                break;
            }
            let child = node.entry(part.to_owned()).or_insert_with(|| Value::Object(Map::new()));
            match child {
                Value::Object(map) => node = map,
                // A leaf already sits where a branch is wanted: keep the first, drop this cell.
                _ => break,
            }
        }
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn time_shapes() {
        let want = Utc.with_ymd_and_hms(2022, 12, 14, 19, 16, 32).unwrap();
        for s in ["2022-12-14T19:16:32Z", "2022-12-14 19:16:32", "2022-12-14T19:16:32", "2022-12-14T21:16:32+02:00"] {
            assert_eq!(parse_time_str(s), Some(want), "{s}");
        }
        assert_eq!(parse_time(&json!(1671045392)), Some(want));
        assert_eq!(parse_time(&json!(1671045392000i64)), Some(want));
        assert_eq!(parse_time_str("yesterday"), None);
    }

    #[test]
    fn case_insensitive_paths() {
        let v = json!({"eventtype": "x", "Client": {"IPAddress": "1.2.3.4"}, "zone": "null"});
        assert_eq!(str_at(&v, &["eventType"]), Some("x"));
        assert_eq!(str_at(&v, &["client", "ipAddress"]), Some("1.2.3.4"));
        assert_eq!(str_at(&v, &["zone"]), None);
    }

    #[test]
    fn sentinel_columns_unflatten() {
        let flat = json!({
            "eventType_s": "user.session.start",
            "client_geographicalContext_geolocation_lat_d": "34.05",
            "client_ipAddress_s": "",
            "securityContext_asNumber_d": "10993",
            "target_s": "[{\"type\": \"User\"}]",
            "TenantId": "t"
        });
        let v = unflatten_columns(flat.as_object().unwrap());
        assert_eq!(str_at(&v, &["eventType"]), Some("user.session.start"));
        assert_eq!(f64_at(&v, &["client", "geographicalContext", "geolocation", "lat"]), Some(34.05));
        assert_eq!(path(&v, &["client", "ipAddress"]), None);
        assert_eq!(u32_at(&v, &["securityContext", "asNumber"]), Some(10993));
        assert_eq!(str_at(&v, &["target"]), None);
        assert_eq!(array_at(&v, &["target"]).len(), 1);
        assert_eq!(str_at(&v, &["TenantId"]), Some("t"));
    }
}
