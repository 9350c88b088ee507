//! Typed, borrowing fast path for Okta System Log records in the API shape (camelCase keys, as
//! `/api/v1/logs` returns them and the benchmark generator writes them).
//!
//! Building a `serde_json::Value` (a map and an owned string per key and value) costs more than
//! the rest of parsing a LogEvent together; here the fields [`okta`](super::okta) reads are
//! read straight from the text into typed records, borrowed where the JSON has no escapes,
//! everything else only validated. The result feeds the same `okta::build` as the `Value` path,
//! so the events are the same by construction.
//!
//! The records are declared once (`record!`) and read two ways: by the JSON cursor of
//! `json_scan` first, which reads them in place about twice as fast as `serde` visitors do and
//! declines `\u` escapes and unusual numbers, and by `serde_json` for the records the cursor
//! declines.
//!
//! The fast path only *accepts* records the `Value` path reads the same way, and declines
//! (`None`) everything else, which then takes the `Value` path and gets its events and errors:
//!
//! * a key that matches a read key only up to ASCII case (Panther's `eventtype`: the `Value` path
//!   looks keys up case-insensitively), or a duplicate read key (the `Value` path keeps the last);
//! * keys that change the meaning of the record: Sentinel's `eventType_s`, Panther's
//!   `p_log_type`, a provenance wrapper's `event`, a page's `value`/`events`/`items`/`records`;
//! * a read field of an unexpected type (a number as text, a target list as JSON text), a
//!   `published` that does not parse, a missing `eventType`;
//! * invalid JSON. Values the parser does not read are still fully validated (strings, escapes,
//!   number ranges), so a record is accepted here exactly when `serde_json::Value` accepts it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::fields;
use super::json_scan::{Cursor, Scanned};
use super::okta::{build_for, DebugFields, Fields, GeoFields, RiskSource, TargetFields};
use super::ParseResult;
use crate::evidence::UserId;

/// Parses one Okta LogEvent from its JSON text, or `None` when the fast path does not apply (see
/// the module documentation) and the record must go through `Value` and [`super::parse_record`].
///
/// `sniffing` is true when the format was not declared: the record must then also be one that
/// [`super::sniff`] takes for Okta (a dotted `eventType`).
pub fn parse_str(text: &str, sniffing: bool) -> Option<ParseResult> {
    parse_str_for(text, sniffing, None)
}

/// [`parse_str`]; with `only`, other users' events come out reduced to what tenant-wide facts
/// read (see `okta::build_for`).
pub(crate) fn parse_str_for(text: &str, sniffing: bool, only: Option<&UserId>) -> Option<ParseResult> {
    parse_using(text, sniffing, only, Reader::Both)
}

/// Which reader turns the text into the typed record. Both give the same records; the JSON
/// cursor is about twice as fast and declines more (`\u` escapes, exponents), and the fast path
/// uses it first. Exposed for the differential tests and benches.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reader {
    /// The cursor, then `serde_json` for what it declines.
    Both,
    /// Only the cursor.
    Scan,
    /// Only `serde_json`.
    Serde,
}

/// [`parse_str`] with a given [`Reader`].
#[doc(hidden)]
pub fn parse_str_using(text: &str, sniffing: bool, reader: Reader) -> Option<ParseResult> {
    parse_using(text, sniffing, None, reader)
}

fn parse_using(text: &str, sniffing: bool, only: Option<&UserId>, reader: Reader) -> Option<ParseResult> {
    let mut scanned = Record::default();
    let deserialized: Record<'_>;
    let r = if reader != Reader::Serde && scan_record(text, &mut scanned) {
        &scanned
    } else if reader != Reader::Scan {
        deserialized = serde_json::from_str(text).ok()?;
        &deserialized
    } else {
        return None;
    };
    let event_type = s(&r.event_type)?;
    if sniffing && !event_type.contains('.') {
        return None;
    }
    let time = fields::parse_time_str(&r.published.as_ref()?.0)?;
    let actor = r.actor.as_ref();
    let client = r.client.as_ref();
    let auth = r.authentication_context.as_ref();
    let security = r.security_context.as_ref();
    let first_hop = r.request.as_ref().and_then(|q| q.ip_chain.as_ref()).and_then(|hops| hops.0.as_ref());
    let dbg = r.debug_context.as_ref().and_then(|d| d.debug_data.as_ref());
    let debug = match dbg {
        Some(d) => DebugFields {
            factor: s(&d.factor),
            factor_type: s(&d.factor_type),
            privilege_granted: s(&d.privilege_granted),
            grant_type: s(&d.grant_type),
            client_id: s(&d.client_id),
            granted_scopes: s(&d.granted_scopes),
            changed_attributes: s(&d.changed_attributes),
            dt_hash: s(&d.dt_hash),
        },
        None => DebugFields::default(),
    };
    let fields = Fields {
        event_type,
        time,
        outcome_result: r.outcome.as_ref().and_then(|o| s(&o.result)),
        outcome_reason: r.outcome.as_ref().and_then(|o| s(&o.reason)),
        actor_id: actor.and_then(|a| s(&a.alternate_id)),
        actor_type: actor.and_then(|a| s(&a.kind)),
        actor_display_name: actor.and_then(|a| s(&a.display_name)),
        uuid: s(&r.uuid),
        raw_user_agent: client.and_then(|c| c.user_agent.as_ref()).and_then(|u| s(&u.raw_user_agent)),
        device_id: r.device.as_ref().and_then(|d| s(&d.id)),
        external_session_id: auth.and_then(|a| s(&a.external_session_id)),
        credential_type: auth.and_then(|a| s(&a.credential_type)),
        debug,
        targets: r.target.iter().flatten().map(target).collect(),
        targets_listed: true,
        client_ip: client.and_then(|c| s(&c.ip_address)),
        client_geo: client.and_then(|c| c.geographical_context.as_ref()).map(geo),
        hop_ip: first_hop.and_then(|h| s(&h.ip)),
        hop_geo: first_hop.and_then(|h| h.geographical_context.as_ref()).map(geo),
        as_number: security.and_then(|c| c.as_number),
        as_org: security.and_then(|c| s(&c.as_org)),
        isp: security.and_then(|c| s(&c.isp)),
        is_proxy: security.and_then(|c| c.is_proxy),
        risk_debug: risk(dbg.and_then(|d| d.risk.as_ref())),
        risk_log_only: risk(dbg.and_then(|d| d.log_only_security_data.as_ref())),
        risk_security: security.and_then(|c| c.risk.as_ref()).and_then(|k| s(&k.level)),
    };
    Some(Ok(build_for(&fields, only)))
}

/// Reads the whole text into `record` with the cursor; `false` if it declines.
fn scan_record<'a>(text: &'a str, record: &mut Record<'a>) -> bool {
    let mut cursor = Cursor::new(text);
    record.fill(&mut cursor).and_then(|()| cursor.finish()).is_ok()
}

/// A string as [`fields::str_at`] reads it: empty and `"null"` are absent.
fn s<'b>(x: &'b Option<Str<'_>>) -> Option<&'b str> {
    x.as_ref().map(|s| &*s.0).filter(|s| !s.is_empty() && *s != "null")
}

fn target<'b>(t: &'b TargetRec<'_>) -> TargetFields<'b> {
    let sides = t.change_details.as_ref().map(|c| [&c.from, &c.to]);
    TargetFields {
        kind: s(&t.kind),
        id: s(&t.id),
        alternate_id: s(&t.alternate_id),
        display_name: s(&t.display_name),
        public_client_app: t.detail_entry.as_ref().and_then(|d| s(&d.public_client_app)),
        changed_keys: sides.iter().flatten().flat_map(|k| k.iter().flat_map(|k| &k.0)).map(|k| &*k.0).collect(),
    }
}

fn geo<'b>(g: &'b GeoRec<'_>) -> GeoFields<'b> {
    GeoFields {
        lat: g.geolocation.as_ref().and_then(|l| l.lat),
        lon: g.geolocation.as_ref().and_then(|l| l.lon),
        city: s(&g.city),
        state: s(&g.state),
        country: s(&g.country),
    }
}

fn risk<'b>(r: Option<&'b RiskRec<'_>>) -> RiskSource<'b> {
    match r {
        Some(RiskRec::Text(t)) => RiskSource::Text(&t.0),
        Some(RiskRec::Object(o)) => {
            RiskSource::Object { risk_level: o.risk.as_ref().and_then(|k| s(&k.level)), level: s(&o.level) }
        }
        None => RiskSource::Absent,
    }
}

/// A JSON string, borrowed from the input unless it has escapes. Anything but a string is an
/// error (the fast path then declines the record).
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value the parser does not read, validated as `serde_json::Value` would parse it (strings
/// decoded, numbers range-checked) but not stored. `IgnoredAny` would accept lone surrogate
/// escapes and out-of-range numbers that the `Value` path rejects.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        Skip::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

/// The keys of an object (`changeDetails.from`), its values validated and dropped.
struct Keys<'a>(Vec<Str<'a>>);

impl<'de> Deserialize<'de> for Keys<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<Str<'de>>()? {
                    map.next_value::<Skip>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(V)
    }
}

/// The first element of an array, the others validated and dropped: only the first hop of
/// `request.ipChain` is read, by either path, so the rest need no home.
struct First<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<T>()?;
                while seq.next_element::<Skip>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

/// `debugData.risk` / `logOnlySecurityData`: text or an object. `null` is absent (`Option`);
/// other types decline the record.
enum RiskRec<'a> {
    Text(Str<'a>),
    Object(RiskObject<'a>),
}

impl<'de> Deserialize<'de> for RiskRec<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RiskRec<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an object")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RiskRec::Text(Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RiskRec::Text(Str(Cow::Owned(v.to_owned()))))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RiskObject::deserialize(de::value::MapAccessDeserializer::new(map)).map(RiskRec::Object)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reading a value with the [`Cursor`]: what its `Deserialize` reads from the same text, or a
/// decline where `Deserialize` would fail (and wherever the cursor declines).
trait Scan<'a>: Sized {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self>;

    /// [`scan`](Self::scan) into a field; records fill it in place.
    fn scan_into(c: &mut Cursor<'a>, slot: &mut Option<Self>) -> Scanned<()> {
        *slot = Some(Self::scan(c)?);
        Ok(())
    }
}

impl<'a, T: Scan<'a>> Scan<'a> for Option<T> {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self> {
        if c.null()? {
            Ok(None)
        } else {
            T::scan(c).map(Some)
        }
    }
}

impl<'a> Scan<'a> for Str<'a> {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self> {
        c.string().map(Str)
    }
}

impl Scan<'_> for f64 {
    fn scan(c: &mut Cursor<'_>) -> Scanned<Self> {
        c.f64()
    }
}

impl Scan<'_> for bool {
    fn scan(c: &mut Cursor<'_>) -> Scanned<Self> {
        c.bool()
    }
}

impl<'a, T: Scan<'a>> Scan<'a> for Vec<T> {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self> {
        let mut elements = c.array()?;
        let mut out = Vec::new();
        while c.element(&mut elements)? {
            out.push(T::scan(c)?);
        }
        Ok(out)
    }
}

impl<'a, T: Scan<'a>> Scan<'a> for First<T> {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self> {
        let mut elements = c.array()?;
        if !c.element(&mut elements)? {
            return Ok(First(None));
        }
        let first = T::scan(c)?;
        while c.element(&mut elements)? {
            c.skip()?;
        }
        Ok(First(Some(first)))
    }
}

impl<'a> Scan<'a> for Keys<'a> {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self> {
        let mut members = c.object()?;
        let mut keys = Vec::new();
        while let Some(key) = c.key(&mut members)? {
            c.skip()?;
            keys.push(Str(Cow::Borrowed(key)));
        }
        Ok(Keys(keys))
    }
}

impl<'a> Scan<'a> for RiskRec<'a> {
    fn scan(c: &mut Cursor<'a>) -> Scanned<Self> {
        match c.peek() {
            Some(b'{') => RiskObject::scan(c).map(RiskRec::Object),
            _ => Str::scan(c).map(RiskRec::Text),
        }
    }
}

/// Declares a record struct whose fields are all optional, and its two readers: a `Deserialize`
/// and a [`Scan`] (the cursor, filling the record in place). Both decline (error on) duplicate
/// read keys, keys equal to a read or `poison` key up to ASCII case, and read fields of another
/// type; other keys are validated and skipped.
macro_rules! record {
    ($(#[$doc:meta])* $name:ident<$lt:lifetime> { $($field:ident: $ty:ty = $key:literal,)* } $(poison [$($poison:literal),*])?) => {
        $(#[$doc])*
        #[derive(Default)]
        struct $name<$lt> {
            $($field: Option<$ty>,)*
            _borrow: PhantomData<&$lt ()>,
        }

        impl<$lt> Deserialize<$lt> for $name<$lt> {
            fn deserialize<D: Deserializer<$lt>>(d: D) -> Result<Self, D::Error> {
                struct V<$lt>(PhantomData<&$lt ()>);
                impl<$lt> Visitor<$lt> for V<$lt> {
                    type Value = $name<$lt>;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("an Okta ", stringify!($name)))
                    }
                    fn visit_map<M: MapAccess<$lt>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                        $(let mut $field: Option<Option<$ty>> = None;)*
                        while let Some(key) = map.next_key::<Str<$lt>>()? {
                            match &*key.0 {
                                $($key => {
                                    if $field.is_some() {
                                        return Err(de::Error::duplicate_field($key));
                                    }
                                    $field = Some(map.next_value()?);
                                })*
                                other => {
                                    if $name::is_near_key(other) {
                                        return Err(de::Error::custom("not the plain API shape"));
                                    }
                                    map.next_value::<Skip>()?;
                                }
                            }
                        }
                        Ok($name { $($field: $field.flatten(),)* _borrow: PhantomData })
                    }
                }
                d.deserialize_map(V(PhantomData))
            }
        }

        impl<$lt> Scan<$lt> for $name<$lt> {
            fn scan(c: &mut Cursor<$lt>) -> Scanned<Self> {
                let mut record = Self::default();
                record.fill(c)?;
                Ok(record)
            }

            fn scan_into(c: &mut Cursor<$lt>, slot: &mut Option<Self>) -> Scanned<()> {
                slot.insert(Self::default()).fill(c)
            }
        }

        impl<$lt> $name<$lt> {
            /// Reads the object at the cursor into this (empty) record, in place: records
            /// nest, and moving each out of its reader costs more than the reading.
            fn fill(&mut self, c: &mut Cursor<$lt>) -> Scanned<()> {
                #[allow(non_camel_case_types)]
                enum Field { $($field,)* }
                let mut seen = 0u32;
                let mut members = c.object()?;
                while let Some(key) = c.key(&mut members)? {
                    match key {
                        $($key if seen & (1 << Field::$field as u32) == 0 => {
                            seen |= 1 << Field::$field as u32;
                            if !c.null()? {
                                Scan::scan_into(c, &mut self.$field)?;
                            }
                        })*
                        other => {
                            if $name::is_near_key(other) {
                                return Err(super::json_scan::Decline);
                            }
                            c.skip()?;
                        }
                    }
                }
                Ok(())
            }
        }

        impl $name<'_> {
            /// Whether an unread key is a read or poison key up to ASCII case (or a
            /// duplicate read key, which is exactly one).
            fn is_near_key(key: &str) -> bool {
                const KEYS: &[&str] = &[$($key,)* $($($poison,)*)?];
                KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
            }
        }
    };
}

record! {
    /// A LogEvent: the keys the parser reads.
    Record<'a> {
        event_type: Str<'a> = "eventType",
        published: Str<'a> = "published",
        uuid: Str<'a> = "uuid",
        actor: Actor<'a> = "actor",
        target: Vec<TargetRec<'a>> = "target",
        outcome: OutcomeRec<'a> = "outcome",
        client: Client<'a> = "client",
        device: Device<'a> = "device",
        authentication_context: AuthContext<'a> = "authenticationContext",
        debug_context: DebugContext<'a> = "debugContext",
        security_context: SecurityContext<'a> = "securityContext",
        request: Request<'a> = "request",
    }
    // Sentinel's flattened columns, Panther's normalised rows, a provenance wrapper, page keys.
    poison ["eventType_s", "p_log_type", "p_event_time", "event", "value", "events", "items", "records"]
}

record! {
    /// `actor`.
    Actor<'a> {
        alternate_id: Str<'a> = "alternateId",
        kind: Str<'a> = "type",
        display_name: Str<'a> = "displayName",
    }
}

record! {
    /// One element of `target`.
    TargetRec<'a> {
        kind: Str<'a> = "type",
        id: Str<'a> = "id",
        alternate_id: Str<'a> = "alternateId",
        display_name: Str<'a> = "displayName",
        detail_entry: DetailEntry<'a> = "detailEntry",
        change_details: ChangeDetails<'a> = "changeDetails",
    }
}

record! {
    /// A target's `detailEntry`.
    DetailEntry<'a> { public_client_app: Str<'a> = "publicclientapp", }
}

record! {
    /// A target's `changeDetails`.
    ChangeDetails<'a> { from: Keys<'a> = "from", to: Keys<'a> = "to", }
}

record! {
    /// `outcome`.
    OutcomeRec<'a> { result: Str<'a> = "result", reason: Str<'a> = "reason", }
}

record! {
    /// `client`.
    Client<'a> {
        user_agent: UserAgent<'a> = "userAgent",
        ip_address: Str<'a> = "ipAddress",
        geographical_context: GeoRec<'a> = "geographicalContext",
    }
}

record! {
    /// `client.userAgent`.
    UserAgent<'a> { raw_user_agent: Str<'a> = "rawUserAgent", }
}

record! {
    /// A `geographicalContext`.
    GeoRec<'a> {
        city: Str<'a> = "city",
        state: Str<'a> = "state",
        country: Str<'a> = "country",
        geolocation: GeoLocation<'a> = "geolocation",
    }
}

record! {
    /// `geographicalContext.geolocation`.
    GeoLocation<'a> { lat: f64 = "lat", lon: f64 = "lon", }
}

record! {
    /// `device`.
    Device<'a> { id: Str<'a> = "id", }
}

record! {
    /// `authenticationContext`.
    AuthContext<'a> {
        external_session_id: Str<'a> = "externalSessionId",
        credential_type: Str<'a> = "credentialType",
    }
}

record! {
    /// `debugContext`.
    DebugContext<'a> { debug_data: DebugData<'a> = "debugData", }
}

record! {
    /// `debugContext.debugData`.
    DebugData<'a> {
        factor: Str<'a> = "factor",
        factor_type: Str<'a> = "factorType",
        privilege_granted: Str<'a> = "privilegeGranted",
        grant_type: Str<'a> = "grantType",
        client_id: Str<'a> = "clientId",
        granted_scopes: Str<'a> = "grantedScopes",
        changed_attributes: Str<'a> = "changedAttributes",
        dt_hash: Str<'a> = "dtHash",
        risk: RiskRec<'a> = "risk",
        log_only_security_data: RiskRec<'a> = "logOnlySecurityData",
    }
}

record! {
    /// A risk object in `debugData` (`{"risk": {"level": ..}}` or `{"level": ..}`).
    RiskObject<'a> { risk: RiskLevelRec<'a> = "risk", level: Str<'a> = "level", }
}

record! {
    /// `{"level": ..}`.
    RiskLevelRec<'a> { level: Str<'a> = "level", }
}

record! {
    /// `securityContext`.
    SecurityContext<'a> {
        as_number: f64 = "asNumber",
        as_org: Str<'a> = "asOrg",
        isp: Str<'a> = "isp",
        is_proxy: bool = "isProxy",
        risk: RiskLevelRec<'a> = "risk",
    }
}

record! {
    /// `request`.
    Request<'a> { ip_chain: First<Hop<'a>> = "ipChain", }
}

record! {
    /// One element of `request.ipChain`.
    Hop<'a> { ip: Str<'a> = "ip", geographical_context: GeoRec<'a> = "geographicalContext", }
}
