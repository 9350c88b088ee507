//! Entra ID Protection risk detections and Microsoft Graph security alerts.
//!
//! Both become [`EventKind::RiskDetected`] for the affected user, with the vendor's level in
//! [`Event::risk`](crate::evidence::Event::risk). A risk an admin dismissed or confirmed safe keeps
//! its event but with [`RiskLevel::None`]; so does an alert classified as a false positive or as
//! expected activity. An alert whose evidence names no user account is `Ok(None)`: it cannot be
//! attributed, and the reader counts it as such.

use serde_json::Value;

use super::super::fields::{self, array_at, path, str_at, string_at};
use super::super::ParseResult;
use super::{geo, object_at, risk_cleared, risk_level};
use crate::evidence::{Event, EventKind, Format, Geo, Network, Outcome, RiskLevel, Text, VendorRef};

/// A `riskDetection` (`/identityProtection/riskDetections`, diagnostic `UserRiskEvents`,
/// Sentinel `AADUserRiskEvents`).
pub(super) fn parse_risk_detection(res: &Value, outer: Option<&Value>) -> ParseResult {
    let Some(user) = str_at(res, &["userPrincipalName"]).or_else(|| str_at(res, &["userId"])) else {
        return Ok(None);
    };
    // When the risky activity happened, not when Identity Protection finished its offline analysis.
    let time = fields::required_time(res, &[&["activityDateTime"], &["detectedDateTime"], &["TimeGenerated"]])?;
    let detection = Text::from(str_at(res, &["riskEventType"]).unwrap_or("riskDetection"));
    let mut event = Event::new(
        string_at(res, &["id"]).unwrap_or_default(),
        time,
        user,
        EventKind::RiskDetected { detection: detection.clone() },
        Outcome::default(),
    );
    let level = str_at(res, &["riskLevel"]).and_then(risk_level);
    event.risk = if risk_cleared(str_at(res, &["riskState"])) { level.map(|_| RiskLevel::None) } else { level };
    event.network = Network {
        ip: str_at(res, &["ipAddress"])
            .or_else(|| outer.and_then(|o| str_at(o, &["callerIpAddress"])))
            .and_then(fields::parse_ip),
        geo: object_at(res, &["location"]).as_deref().and_then(geo),
        ..Network::default()
    };
    event.session_id = str_at(res, &["correlationId"]).map(Text::from);
    event.vendor = VendorRef { format: Format::Entra, event_type: detection, event_id: string_at(res, &["id"]) };
    Ok(Some(event))
}

/// A Graph security alert: `alerts_v2` (user and IP in `evidence[]`) or legacy `alert`
/// (`userStates[]`). Panther renames `@odata.type` to `at_sign_odata_type`.
pub(super) fn parse_alert(res: &Value) -> ParseResult {
    let evidence = array_at(res, &["evidence"]);
    let of_type = |suffix: &'static str| {
        evidence.iter().filter(move |e| {
            ["@odata.type", "at_sign_odata_type"]
                .iter()
                .any(|k| str_at(e, &[k]).is_some_and(|t| t.to_ascii_lowercase().ends_with(suffix)))
        })
    };
    let user_states = array_at(res, &["userStates"]);
    let user = of_type("userevidence")
        .find_map(|e| {
            str_at(e, &["userAccount", "userPrincipalName"]).map(str::to_owned).or_else(|| {
                let name = str_at(e, &["userAccount", "accountName"])?;
                Some(match str_at(e, &["userAccount", "domainName"]) {
                    Some(domain) => format!("{name}@{domain}"),
                    None => name.to_owned(),
                })
            })
        })
        .or_else(|| user_states.iter().find_map(|u| str_at(u, &["userPrincipalName"]).map(str::to_owned)));
    let Some(user) = user else {
        return Ok(None);
    };
    let time = fields::required_time(res, &[&["firstActivityDateTime"], &["eventDateTime"], &["createdDateTime"]])?;
    let detection = Text::from(str_at(res, &["title"]).or_else(|| str_at(res, &["category"])).unwrap_or("alert"));
    let mut event = Event::new(
        string_at(res, &["id"]).unwrap_or_default(),
        time,
        &user,
        EventKind::RiskDetected { detection },
        Outcome::default(),
    );
    let benign = str_at(res, &["classification"]).is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c == "falsepositive" || c == "informationalexpectedactivity" || c == "benignpositive"
    });
    event.risk = match str_at(res, &["severity"]).map(str::to_ascii_lowercase).as_deref() {
        _ if benign => Some(RiskLevel::None),
        Some("informational") => Some(RiskLevel::Low),
        Some(s) => risk_level(s),
        None => None,
    };
    let ip_evidence = of_type("ipevidence").next();
    let ip = ip_evidence
        .and_then(|e| str_at(e, &["ipAddress"]))
        .or_else(|| user_states.iter().find_map(|u| str_at(u, &["logonIp"])))
        .and_then(fields::parse_ip);
    let country = ip_evidence.and_then(|e| str_at(e, &["countryLetterCode"]));
    event.network =
        Network { ip, geo: country.map(|c| Geo { country: Some(c.into()), ..Geo::default() }), ..Network::default() };
    let event_type = Text::from(str_at(res, &["category"]).unwrap_or("alert"));
    event.app = str_at(res, &["serviceSource"])
        .or_else(|| path(res, &["vendorInformation", "provider"]).and_then(Value::as_str))
        .map(Text::from);
    event.vendor = VendorRef { format: Format::Entra, event_type, event_id: string_at(res, &["id"]) };
    Ok(Some(event))
}

#[cfg(test)]
mod tests {
    use crate::evidence::parse::entra;
    use crate::evidence::{EventKind, RiskLevel};
    use serde_json::json;

    #[test]
    fn risk_detection_resource() {
        let rec = json!({
            "id": "6a5874ca-abcd-9d82-5f8a-05a0cef1b5a9",
            "requestId": "6ce09c5c-6d83-4e3a-bd8c-0f3e4a7f2a00",
            "correlationId": "ea89f7be-7c4b-4f5b-a3b8-a6d1c8f7e2a1",
            "riskEventType": "unlikelyTravel",
            "riskState": "atRisk",
            "riskLevel": "medium",
            "riskDetail": "none",
            "source": "IdentityProtection",
            "detectionTimingType": "offline",
            "activity": "signin",
            "ipAddress": "198.51.100.22",
            "activityDateTime": "2024-03-05T07:58:11.123Z",
            "detectedDateTime": "2024-03-05T08:30:00Z",
            "lastUpdatedDateTime": "2024-03-05T08:31:00Z",
            "userId": "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "userDisplayName": "Adele Vance",
            "userPrincipalName": "AdeleV@contoso.com",
            "location": {"city": "Lagos", "state": "Lagos", "countryOrRegion": "NG", "geoCoordinates": {"latitude": 6.45, "longitude": 3.39}}
        });
        let e = entra::parse(&rec).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::RiskDetected { detection: "unlikelyTravel".into() });
        assert_eq!(e.risk, Some(RiskLevel::Medium));
        assert_eq!(e.time.to_rfc3339(), "2024-03-05T07:58:11.123+00:00");
        assert_eq!(e.country(), Some("NG"));
        assert_eq!(e.network.ip, Some("198.51.100.22".parse().unwrap()));
    }

    #[test]
    fn legacy_alert_with_user_states() {
        let rec = json!({
            "id": "da637578995287051192_756343937",
            "title": "Suspicious inbox forwarding",
            "category": "Exfiltration",
            "severity": "medium",
            "status": "newAlert",
            "createdDateTime": "2024-03-05T09:00:00Z",
            "eventDateTime": "2024-03-05T08:55:00Z",
            "vendorInformation": {"provider": "MCAS", "vendor": "Microsoft"},
            "userStates": [{"userPrincipalName": "AdeleV@contoso.com", "logonIp": "198.51.100.22", "aadUserId": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"}]
        });
        let e = entra::parse(&rec).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::RiskDetected { detection: "Suspicious inbox forwarding".into() });
        assert_eq!(e.user.as_str(), "adelev@contoso.com");
        assert_eq!(e.app.as_deref(), Some("MCAS"));
        assert_eq!(e.time.to_rfc3339(), "2024-03-05T08:55:00+00:00");
    }
}
