//! Office 365 Management Activity API records (`CreationTime`, `Operation`, `Workload`, `UserId`,
//! `ClientIP`, ...), Panther's lower-cased copy of them, and Sentinel `OfficeActivity` rows
//! (`TimeGenerated`, `OfficeWorkload`, `Client_IPAddress`, JSON-text columns).
//!
//! * Exchange: `New-/Set-/Enable-/Remove-/Disable-InboxRule` and the Outlook client's
//!   `UpdateInboxRules` become [`EventKind::InboxRule`]; `Set-Mailbox` with a forwarding address
//!   becomes [`EventKind::MailboxForwarding`] (clearing forwarding, an empty address, stays `Other`:
//!   it removes persistence rather than adding it); transport rules that copy or redirect mail to
//!   recipients are treated as forwarding too; `MailItemsAccessed` is a [`EventKind::FileAccess`].
//! * SharePoint / OneDrive: downloads and syncs are [`EventKind::FileDownload`], views
//!   [`EventKind::FileAccess`].
//! * Azure AD: `UserLoggedIn` / `UserLoginFailed` are logins; directory activities (`Consent to
//!   application.`, `Add member to role.`, `Update user.`, passwords) share the Entra audit mapping.
//!
//! For Exchange changes the event's user is the mailbox owner (the `Identity` / `Mailbox` parameter
//! when it is an address, `MailboxOwnerUPN` for mailbox audits), with `UserId` as the actor when
//! it differs; for directory changes it is the `ObjectId` user.

use serde_json::Value;

use super::entra::{directory_change_kind, expand_json_columns, ChangeContext, ModifiedProperty};
use super::fields::{self, array_at, get, path, str_at, string_at};
use super::{FieldError, ParseResult};
use crate::evidence::{
    Event, EventKind, Format, Network, Outcome, OutcomeResult, RuleChange, Target, Text, UserId, VendorRef,
};

/// Folders where a moved message is out of the user's sight (T1564.008).
const HIDING_FOLDERS: &[&str] =
    &["rss", "archive", "conversation history", "junk", "deleted items", "notes", "sync issues", "outbox"];

/// True when `record` looks like an Office 365 Management Activity record or `OfficeActivity` row.
pub fn looks_like(record: &Value) -> bool {
    let has = |k: &str| path(record, &[k]).is_some();
    if !has("Operation") {
        return false;
    }
    let timed = has("CreationTime") || has("TimeGenerated");
    timed
        && (has("Workload")
            || has("OfficeWorkload")
            || has("RecordType")
            || str_at(record, &["Type"]).is_some_and(|t| t == "OfficeActivity"))
}

/// Parses one Office 365 record.
pub fn parse(record: &Value) -> ParseResult {
    let rec = expand_json_columns(record);
    let rec = rec.as_ref();
    let operation = str_at(rec, &["Operation"]).ok_or_else(|| FieldError::new("Operation", "missing"))?.trim();
    let time = fields::required_time(rec, &[&["CreationTime"], &["TimeGenerated"]])?;
    let op = operation.trim_end_matches('.').to_ascii_lowercase();
    let params = Params::new(rec);

    let (kind, outcome_override) = match op.as_str() {
        "userloggedin" => (EventKind::Login, None),
        "userloginfailed" => login_failure(rec),
        "updateinboxrules" => (update_inbox_rules(&params), None),
        "filedownloaded" | "filesyncdownloadedfull" | "filesyncdownloadedpartial" => {
            (EventKind::FileDownload { object: file_object(rec) }, None)
        }
        "fileaccessed" | "fileaccessedextended" | "filepreviewed" => {
            (EventKind::FileAccess { object: file_object(rec) }, None)
        }
        "mailitemsaccessed" => (EventKind::FileAccess { object: mail_items(rec) }, None),
        "set-mailbox" => (mailbox_forwarding(&params), None),
        "new-transportrule" | "set-transportrule" => (transport_rule(&params), None),
        _ if op.ends_with("-inboxrule") => (inbox_rule(&op, &params), None),
        _ => (directory_change(rec, operation), None),
    };

    let Some(user) = affected_user(rec, &op, &kind, &params) else {
        return Ok(None);
    };
    let outcome = outcome_override.unwrap_or_else(|| result_status(rec));
    let id = string_at(rec, &["Id"]).or_else(|| string_at(rec, &["OfficeId"]));
    let mut event = Event::new(id.clone().unwrap_or_default(), time, user, kind, outcome);
    event.actor = str_at(rec, &["UserId"]).map(UserId::new).filter(|a| *a != event.user);
    let ip = ["ClientIP", "ClientIPAddress", "Client_IPAddress", "ActorIpAddress"]
        .iter()
        .find_map(|k| str_at(rec, &[k]))
        .and_then(fields::parse_ip);
    event.network = Network { ip, ..Network::default() };
    event.user_agent =
        str_at(rec, &["UserAgent"]).or_else(|| name_value(rec, "ExtendedProperties", "UserAgent")).map(Text::from);
    event.session_id =
        str_at(rec, &["AppAccessContext", "AADSessionId"]).or_else(|| str_at(rec, &["SessionId"])).map(Text::from);
    event.device_id = name_value(rec, "DeviceProperties", "Id").map(Text::from);
    event.app = match &event.kind {
        EventKind::OAuthGrant { app, .. } => Some(app.clone()),
        _ => ["ClientAppName", "ClientAppId", "AppId", "ApplicationId"]
            .iter()
            .find_map(|k| str_at(rec, &[k]))
            .map(Text::from),
    };
    if let Some(object) = str_at(rec, &["ObjectId"]) {
        event.targets.push(Target {
            kind: str_at(rec, &["ItemType"]).map(Text::from),
            id: None,
            name: Some(object.into()),
        });
    }
    event.vendor = VendorRef { format: Format::O365, event_type: operation.into(), event_id: id };
    Ok(Some(event))
}

/// `Parameters` (cmdlets) or `OperationProperties` (mailbox audits): `[{Name, Value}]`.
struct Params(Vec<Value>);

impl Params {
    fn new(rec: &Value) -> Self {
        let mut items = array_at(rec, &["Parameters"]);
        items.extend(array_at(rec, &["OperationProperties"]));
        Params(items)
    }

    /// The value of parameter `name`; `Some("")` when present but empty (a cleared setting).
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| str_at(p, &["Name"]).is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .map(|p| get(p, "Value").and_then(Value::as_str).unwrap_or("").trim())
    }

    fn is_true(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
}

/// `[{Name, Value}]` list lookup (`ExtendedProperties`, `DeviceProperties`).
fn name_value<'a>(rec: &'a Value, list: &str, name: &str) -> Option<&'a str> {
    match path(rec, &[list])? {
        Value::Array(items) => items
            .iter()
            .find(|p| str_at(p, &["Name"]).is_some_and(|n| n.eq_ignore_ascii_case(name)))
            .and_then(|p| str_at(p, &["Value"])),
        _ => None,
    }
}

/// `UserLoginFailed`: `ResultStatus` is often "Success" (the audit was written), so the outcome is
/// set from the operation, with `LogonError` (or `ErrorNumber`) as the reason.
fn login_failure(rec: &Value) -> (EventKind, Option<Outcome>) {
    let reason = str_at(rec, &["LogonError"]).map(Text::from).or_else(|| string_at(rec, &["ErrorNumber"]));
    let lower = reason.as_deref().unwrap_or("").to_ascii_lowercase();
    if lower.contains("strongauth") && lower.contains("required") {
        return (EventKind::Login, Some(Outcome { result: OutcomeResult::Challenge, reason }));
    }
    let kind = if lower.contains("locked") { EventKind::AccountLocked } else { EventKind::Login };
    (kind, Some(Outcome { result: OutcomeResult::Failure, reason: reason.or_else(|| Some("UserLoginFailed".into())) }))
}

fn result_status(rec: &Value) -> Outcome {
    match str_at(rec, &["ResultStatus"]).map(str::to_ascii_lowercase).as_deref() {
        Some("succeeded" | "success" | "true" | "partiallysucceeded") => Outcome::success(),
        Some(other @ ("failed" | "failure" | "false")) => Outcome::failure(other),
        _ => Outcome::default(),
    }
}

/// Splits Exchange recipient lists: `;`/`,`-separated, `smtp:` prefixes, `"Name" [SMTP:addr]`.
fn addresses(value: &str) -> Vec<Text> {
    let mut out = Vec::new();
    let lower = value.to_ascii_lowercase();
    if lower.contains("[smtp:") {
        for piece in lower.split("[smtp:").skip(1) {
            if let Some(addr) = piece.split(']').next() {
                out.push(addr.trim().into());
            }
        }
        return out;
    }
    for piece in value.split([';', ',']) {
        let p = piece.trim().trim_matches(['"', '\'', '<', '>', '[', ']']).trim();
        let p = if p.len() > 5 && p[..5].eq_ignore_ascii_case("smtp:") { &p[5..] } else { p };
        if !p.is_empty() {
            out.push(if p.contains('@') { p.to_ascii_lowercase().into() } else { p.into() });
        }
    }
    out
}

fn hides_in(folder: &str) -> bool {
    let f = folder.to_ascii_lowercase();
    HIDING_FOLDERS.iter().any(|h| f.contains(h))
}

/// `New-InboxRule`, `Set-InboxRule`, `Enable-`, `Disable-`, `Remove-InboxRule`.
fn inbox_rule(op: &str, params: &Params) -> EventKind {
    let change = match op.split('-').next() {
        Some("new") => RuleChange::Created,
        Some("remove") | Some("disable") => RuleChange::Removed,
        _ => RuleChange::Changed,
    };
    let forward_to = ["ForwardTo", "ForwardAsAttachmentTo", "RedirectTo"]
        .iter()
        .filter_map(|k| params.get(k))
        .flat_map(addresses)
        .collect();
    let hides_mail = params.is_true("DeleteMessage")
        || params.is_true("SoftDeleteMessage")
        || params.is_true("MarkAsRead")
        || params.get("MoveToFolder").is_some_and(hides_in);
    // `Identity` of Set-/Remove-InboxRule is `mailbox\rule`; keep the rule part.
    let name = params
        .get("Name")
        .or_else(|| params.get("Identity").map(|i| i.rsplit('\\').next().unwrap_or(i)))
        .filter(|n| !n.is_empty())
        .map(Text::from);
    EventKind::InboxRule { change, name, forward_to, hides_mail }
}

/// The Outlook client's `UpdateInboxRules` mailbox audit: `RuleOperation`, `RuleName`, `RuleActions`
/// (action type names) and `ServerRule` (JSON whose `Recipients` hold the forwarding addresses).
fn update_inbox_rules(params: &Params) -> EventKind {
    let change = match params.get("RuleOperation").map(str::to_ascii_lowercase).as_deref() {
        Some(o) if o.starts_with("add") => RuleChange::Created,
        Some(o) if o.starts_with("remove") || o.starts_with("delete") => RuleChange::Removed,
        _ => RuleChange::Changed,
    };
    let actions = params.get("RuleActions").unwrap_or("").to_ascii_lowercase();
    let server_rule = params.get("ServerRule").and_then(|s| serde_json::from_str::<Value>(s).ok());
    let mut forward_to = Vec::new();
    if let Some(rule) = &server_rule {
        collect_recipients(rule, false, &mut forward_to);
    }
    let folder_hidden = server_rule.as_ref().is_some_and(mentions_hiding_folder);
    let hides_mail = actions.contains("delete") || actions.contains("markasread") || folder_hidden;
    EventKind::InboxRule {
        change,
        name: params.get("RuleName").filter(|n| !n.is_empty()).map(Text::from),
        forward_to,
        hides_mail,
    }
}

/// Every address-like string under a `Recipients` key.
fn collect_recipients(v: &Value, inside: bool, out: &mut Vec<Text>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                collect_recipients(child, inside || k.eq_ignore_ascii_case("Recipients"), out);
            }
        }
        Value::Array(items) => items.iter().for_each(|c| collect_recipients(c, inside, out)),
        Value::String(s) if inside && s.contains('@') => {
            for a in addresses(s) {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        _ => {}
    }
}

fn mentions_hiding_folder(v: &Value) -> bool {
    match v {
        Value::Object(map) => map.values().any(mentions_hiding_folder),
        Value::Array(items) => items.iter().any(mentions_hiding_folder),
        Value::String(s) => hides_in(s),
        _ => false,
    }
}

/// `Set-Mailbox -ForwardingSmtpAddress / -ForwardingAddress`; an empty value clears forwarding.
fn mailbox_forwarding(params: &Params) -> EventKind {
    let forward_to: Vec<Text> = ["ForwardingSmtpAddress", "ForwardingAddress"]
        .iter()
        .filter_map(|k| params.get(k))
        .flat_map(addresses)
        .collect();
    if forward_to.is_empty() {
        EventKind::Other
    } else {
        EventKind::MailboxForwarding { forward_to }
    }
}

/// A transport rule that copies or redirects mail to recipients forwards it, org-wide.
fn transport_rule(params: &Params) -> EventKind {
    let forward_to: Vec<Text> = ["BlindCopyTo", "RedirectMessageTo", "CopyTo", "AddToRecipients"]
        .iter()
        .filter_map(|k| params.get(k))
        .flat_map(addresses)
        .collect();
    if forward_to.is_empty() {
        EventKind::Other
    } else {
        EventKind::MailboxForwarding { forward_to }
    }
}

/// SharePoint / OneDrive file: the full URL (`ObjectId`), else the file name.
fn file_object(rec: &Value) -> Option<Text> {
    str_at(rec, &["ObjectId"]).or_else(|| str_at(rec, &["SourceFileName"])).map(Text::from)
}

/// `MailItemsAccessed`: folder paths with item counts (`\Inbox (7 items)`).
fn mail_items(rec: &Value) -> Option<Text> {
    let folders: Vec<String> = array_at(rec, &["Folders"])
        .iter()
        .filter_map(|f| {
            let p = str_at(f, &["Path"])?;
            let n = array_at(f, &["FolderItems"]).len();
            Some(if n > 0 { format!("{p} ({n} items)") } else { p.to_owned() })
        })
        .collect();
    (!folders.is_empty()).then(|| folders.join(", ").into())
}

/// Azure AD workload directory activities, through the shared Entra mapping.
fn directory_change(rec: &Value, operation: &str) -> EventKind {
    let props = ModifiedProperty::list(&array_at(rec, &["ModifiedProperties"]));
    // `Target` type 1 entries carry display names (the consented app's name).
    let app = array_at(rec, &["Target"])
        .iter()
        .find(|t| path(t, &["Type"]).and_then(Value::as_i64) == Some(1))
        .and_then(|t| str_at(t, &["ID"]))
        .or_else(|| str_at(rec, &["ObjectId"]))
        .map(Text::from);
    let ctx = ChangeContext { app, role: None, detail: name_value(rec, "ExtendedProperties", "additionalDetails") };
    directory_change_kind(operation, &props, &ctx)
}

/// Whose account the record concerns (see the module docs).
fn affected_user<'a>(rec: &'a Value, op: &str, kind: &EventKind, params: &'a Params) -> Option<&'a str> {
    fn address(v: Option<&str>) -> Option<&str> {
        v.map(|s| s.split('\\').next().unwrap_or(s)).filter(|s| s.contains('@'))
    }
    let owner = match kind {
        EventKind::InboxRule { .. } if op == "updateinboxrules" => str_at(rec, &["MailboxOwnerUPN"]),
        EventKind::InboxRule { .. } => address(params.get("Mailbox")).or_else(|| address(params.get("Identity"))),
        _ if op == "set-mailbox" => address(params.get("Identity")),
        EventKind::MailboxForwarding { .. } | EventKind::FileDownload { .. } | EventKind::FileAccess { .. } => None,
        EventKind::Login | EventKind::AccountLocked | EventKind::OAuthGrant { .. } => None,
        // Directory changes made to a user name that user in `ObjectId`.
        _ => address(str_at(rec, &["ObjectId"])).filter(|_| *kind != EventKind::Other),
    };
    owner.or_else(|| str_at(rec, &["UserId"]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(operation: &str, params: Value) -> Value {
        json!({
            "CreationTime": "2024-03-05T10:11:12",
            "Id": "3f5c8a57-8d2e-4b1c-9a3b-08dc3d2b1a11",
            "Operation": operation,
            "OrganizationId": "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138",
            "RecordType": 1,
            "ResultStatus": "True",
            "UserKey": "10032001A2B3C4D5",
            "UserType": 2,
            "Version": 1,
            "Workload": "Exchange",
            "ClientIP": "[2001:db8::7]:51234",
            "UserId": "AdeleV@contoso.com",
            "AppId": "",
            "ExternalAccess": false,
            "OrganizationName": "contoso.onmicrosoft.com",
            "OriginatingServer": "DM6PR11MB1234 (15.20.7316.039)",
            "Parameters": params,
            "SessionId": "b5b1f1a6-8b2e-4a3e-9e1f-0d2c3b4a5f60"
        })
    }

    #[test]
    fn new_inbox_rule_forwarding_outside() {
        let rec = exchange(
            "New-InboxRule",
            json!([
                {"Name": "Mailbox", "Value": "AdeleV@contoso.com"},
                {"Name": "Name", "Value": "."},
                {"Name": "From", "Value": "payroll@contoso.com"},
                {"Name": "ForwardTo", "Value": "SMTP:drop@evil.example;backup@evil.example"},
                {"Name": "MoveToFolder", "Value": "RSS Feeds"},
                {"Name": "MarkAsRead", "Value": "True"},
                {"Name": "StopProcessingRules", "Value": "True"}
            ]),
        );
        let e = parse(&rec).unwrap().unwrap();
        assert_eq!(
            e.kind,
            EventKind::InboxRule {
                change: RuleChange::Created,
                name: Some(".".into()),
                forward_to: vec!["drop@evil.example".into(), "backup@evil.example".into()],
                hides_mail: true
            }
        );
        assert_eq!(e.user.as_str(), "adelev@contoso.com");
        assert_eq!(e.actor, None);
        assert_eq!(e.network.ip, Some("2001:db8::7".parse().unwrap()));
        assert_eq!(e.time.to_rfc3339(), "2024-03-05T10:11:12+00:00");
        assert!(e.outcome.is_success());
    }

    #[test]
    fn set_mailbox_forwarding_and_clearing() {
        let rec = exchange(
            "Set-Mailbox",
            json!([
                {"Name": "Identity", "Value": "MeganB@contoso.com"},
                {"Name": "ForwardingSmtpAddress", "Value": "smtp:megan.b@gmail.example"},
                {"Name": "DeliverToMailboxAndForward", "Value": "False"}
            ]),
        );
        let e = parse(&rec).unwrap().unwrap();
        assert_eq!(e.kind, EventKind::MailboxForwarding { forward_to: vec!["megan.b@gmail.example".into()] });
        assert_eq!(e.user.as_str(), "meganb@contoso.com");
        assert_eq!(e.actor.as_ref().map(UserId::as_str), Some("adelev@contoso.com"));

        let clear = exchange(
            "Set-Mailbox",
            json!([{"Name": "Identity", "Value": "MeganB@contoso.com"}, {"Name": "ForwardingSmtpAddress", "Value": ""}]),
        );
        assert_eq!(parse(&clear).unwrap().unwrap().kind, EventKind::Other);
    }

    #[test]
    fn update_inbox_rules_from_outlook() {
        let rec = json!({
            "CreationTime": "2024-03-05T10:20:00",
            "Id": "a1c1e2f3-0000-4e5f-8a9b-0c1d2e3f4a5b",
            "Operation": "UpdateInboxRules",
            "OrganizationId": "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138",
            "RecordType": 2,
            "ResultStatus": "Succeeded",
            "UserKey": "10032001A2B3C4D5",
            "UserType": 0,
            "Workload": "Exchange",
            "ClientIP": "198.51.100.22:40123",
            "UserId": "AdeleV@contoso.com",
            "ClientIPAddress": "198.51.100.22",
            "ClientInfoString": "Client=OWA;Action=ViaProxy",
            "MailboxOwnerUPN": "AdeleV@contoso.com",
            "OperationProperties": [
                {"Name": "RuleActions", "Value": "[{\"ActionType\":\"ForwardToRecipientsAction\"},{\"ActionType\":\"DeleteAction\"}]"},
                {"Name": "RuleCondition", "Value": "{\"Type\":\"AndCondition\"}"},
                {"Name": "RuleName", "Value": "Invoices"},
                {"Name": "RuleOperation", "Value": "AddMailboxRule"},
                {"Name": "ServerRule", "Value": "{\"Actions\":[{\"ActionType\":\"Forward\",\"Recipients\":[{\"Values\":[{\"PropTag\":\"0x3003001F\",\"Value\":\"SMTP:Drop@Evil.example\"}]}]}]}"}
            ]
        });
        let e = parse(&rec).unwrap().unwrap();
        assert_eq!(
            e.kind,
            EventKind::InboxRule {
                change: RuleChange::Created,
                name: Some("Invoices".into()),
                forward_to: vec!["drop@evil.example".into()],
                hides_mail: true
            }
        );
    }

    #[test]
    fn consent_to_application_from_aad_workload() {
        let rec = json!({
            "CreationTime": "2024-03-05T10:30:00",
            "Id": "c0ffee00-1111-2222-3333-444455556666",
            "Operation": "Consent to application.",
            "OrganizationId": "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138",
            "RecordType": 8,
            "ResultStatus": "Success",
            "UserKey": "10032001A2B3C4D5@contoso.com",
            "UserType": 0,
            "Workload": "AzureActiveDirectory",
            "ObjectId": "4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21",
            "UserId": "AdeleV@contoso.com",
            "AzureActiveDirectoryEventType": 1,
            "ModifiedProperties": [
                {"Name": "ConsentContext.IsAdminConsent", "NewValue": "False", "OldValue": ""},
                {"Name": "ConsentContext.OnBehalfOfAll", "NewValue": "False", "OldValue": ""},
                {"Name": "ConsentAction.Permissions", "NewValue": "[] => [[Id: NlodSowqi0qbLY96HD5dIQ, ClientId: 4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21, PrincipalId: 87d349ed-44d7-43e1-9a83-5f2406dee5bd, ResourceId: 0d2f5969-011b-460d-ac74-3291d227d49f, ConsentType: Principal, Scope: Mail.Read offline_access, CreatedDateTime: , LastModifiedDateTime ]]; ", "OldValue": ""}
            ],
            "Actor": [{"ID": "AdeleV@contoso.com", "Type": 5}],
            "Target": [{"ID": "ServicePrincipal_4a1d5a36-2f8c-4a8b-9b2d-8f7a1c3e5d21", "Type": 2}, {"ID": "Mail Helper", "Type": 1}]
        });
        let e = parse(&rec).unwrap().unwrap();
        assert_eq!(
            e.kind,
            EventKind::OAuthGrant {
                app: "Mail Helper".into(),
                scopes: vec!["Mail.Read".into(), "offline_access".into()],
                admin_consent: false
            }
        );
        assert_eq!(e.user.as_str(), "adelev@contoso.com");
    }

    #[test]
    fn file_downloaded() {
        let rec = json!({
            "CreationTime": "2024-03-05T11:00:00",
            "Id": "9a8b7c6d-0000-4000-8000-000000000001",
            "Operation": "FileDownloaded",
            "OrganizationId": "4f7a7bc2-28e2-46a3-b90e-5ade5bc90138",
            "RecordType": 6,
            "UserKey": "i:0h.f|membership|10032001a2b3c4d5@live.com",
            "UserType": 0,
            "Workload": "OneDrive",
            "ClientIP": "198.51.100.22",
            "ObjectId": "https://contoso-my.sharepoint.com/personal/adelev_contoso_com/Documents/payroll.xlsx",
            "UserId": "adelev@contoso.com",
            "EventSource": "SharePoint",
            "ItemType": "File",
            "SourceFileName": "payroll.xlsx",
            "UserAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
            "AppAccessContext": {"AADSessionId": "7c1e1c8a-7e5b-4e3f-8d2a-1b2c3d4e5f60", "CorrelationId": "d0e1f2a3-0000-4000-8000-000000000002"}
        });
        let e = parse(&rec).unwrap().unwrap();
        assert_eq!(
            e.kind,
            EventKind::FileDownload {
                object: Some(
                    "https://contoso-my.sharepoint.com/personal/adelev_contoso_com/Documents/payroll.xlsx".into()
                )
            }
        );
        assert_eq!(e.session_id.as_deref(), Some("7c1e1c8a-7e5b-4e3f-8d2a-1b2c3d4e5f60"));
        assert_eq!(e.user_agent.as_deref(), Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)"));
    }

    #[test]
    fn address_lists() {
        assert_eq!(addresses("smtp:A@x.com, b@y.com"), vec!["a@x.com", "b@y.com"]);
        assert_eq!(addresses("\"Doe, John\" [SMTP:john@evil.example]"), vec!["john@evil.example"]);
    }
}
