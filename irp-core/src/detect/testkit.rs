//! Test builders: terse events and a one-call detector runner.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::{Baseline, Detector, Population, Signal, UserContext};
use crate::evidence::{Event, EventKind, Geo, Outcome, RiskLevel, UserId};
use crate::policy::Policy;

pub const USER: &str = "alice@example.com";
pub const CHROME_WIN: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
pub const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
pub const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0";

/// `minutes` after 2026-11-01T00:00Z.
pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

pub struct B(pub Event);

pub fn ev(id: &str, minutes: i64, kind: EventKind) -> B {
    B(Event::new(id, t(minutes), USER, kind, Outcome::success()))
}

pub fn login(id: &str, minutes: i64) -> B {
    ev(id, minutes, EventKind::Login)
}

pub fn download(id: &str, minutes: i64, object: &str) -> B {
    ev(id, minutes, EventKind::FileDownload { object: Some(object.into()) })
}

impl B {
    pub fn build(self) -> Event {
        self.0
    }
    pub fn user(mut self, u: &str) -> Self {
        self.0.user = UserId::new(u);
        self
    }
    pub fn secs(mut self, s: i64) -> Self {
        self.0.time += Duration::seconds(s);
        self
    }
    pub fn ip(mut self, ip: &str) -> Self {
        self.0.network.ip = Some(ip.parse().unwrap());
        self
    }
    pub fn geo(mut self, country: &str, lat: f64, lon: f64) -> Self {
        let g = self.0.network.geo.get_or_insert_with(Geo::default);
        g.country = Some(country.into());
        g.lat = Some(lat);
        g.lon = Some(lon);
        self
    }
    pub fn city(mut self, city: &str) -> Self {
        self.0.network.geo.get_or_insert_with(Geo::default).city = Some(city.into());
        self
    }
    pub fn radius(mut self, km: f64) -> Self {
        self.0.network.geo.get_or_insert_with(Geo::default).accuracy_radius_km = Some(km);
        self
    }
    pub fn asn(mut self, asn: u32) -> Self {
        self.0.network.asn = Some(asn);
        self
    }
    pub fn org(mut self, org: &str) -> Self {
        self.0.network.as_org = Some(org.into());
        self
    }
    pub fn proxy(mut self) -> Self {
        self.0.network.is_proxy = Some(true);
        self
    }
    pub fn tor(mut self) -> Self {
        self.0.network.is_tor = Some(true);
        self
    }
    pub fn hosting(mut self) -> Self {
        self.0.network.is_hosting = Some(true);
        self
    }
    pub fn ua(mut self, ua: &str) -> Self {
        self.0.user_agent = Some(ua.into());
        self
    }
    pub fn device(mut self, d: &str) -> Self {
        self.0.device_id = Some(d.into());
        self
    }
    pub fn session(mut self, s: &str) -> Self {
        self.0.session_id = Some(s.into());
        self
    }
    pub fn failed(mut self) -> Self {
        self.0.outcome = Outcome::failure("INVALID_CREDENTIALS");
        self
    }
    pub fn interactive(mut self, i: bool) -> Self {
        self.0.interactive = Some(i);
        self
    }
    pub fn actor(mut self, a: &str) -> Self {
        self.0.actor = Some(UserId::new(a));
        self
    }
    pub fn risk(mut self, r: RiskLevel) -> Self {
        self.0.risk = Some(r);
        self
    }
    pub fn event_type(mut self, ty: &str) -> Self {
        self.0.vendor.event_type = ty.into();
        self
    }
}

/// "Home": Boston, Comcast, Chrome on Windows, 20 days of daily sign-ins before the window.
pub fn home_history() -> Vec<Event> {
    (0..20)
        .map(|d| {
            login(&format!("h{d:02}"), -30 * 1440 + d * 1440)
                .ip("203.0.113.10")
                .geo("US", 42.36, -71.06)
                .city("Boston")
                .asn(7922)
                .ua(CHROME_WIN)
                .device("laptop-1")
                .build()
        })
        .collect()
}

/// A home sign-in in the window.
pub fn home(id: &str, minutes: i64) -> B {
    login(id, minutes).ip("203.0.113.10").geo("US", 42.36, -71.06).city("Boston").asn(7922).ua(CHROME_WIN)
}

/// Runs `detector` for [`USER`] with the default policy.
pub fn run(detector: Detector, before: &[Event], window: &[Event]) -> Vec<Signal> {
    run_with(detector, before, window, &Policy::default(), &[])
}

/// Runs `detector` with a policy and other users' events feeding the population.
pub fn run_with(
    detector: Detector,
    before: &[Event],
    window: &[Event],
    policy: &Policy,
    others: &[Event],
) -> Vec<Signal> {
    let mut window = window.to_vec();
    window.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.id.cmp(&b.id)));
    let mut population = Population::default();
    for e in before.iter().chain(&window).chain(others) {
        population.observe(e);
    }
    let baseline = Baseline::build(before);
    let user = UserId::new(USER);
    let ctx = UserContext { user: &user, events: &window, baseline: &baseline, population: &population, policy };
    detector(&ctx)
}

/// Evidence ids of a signal, as strings.
pub fn ids(s: &Signal) -> Vec<&str> {
    s.events.iter().map(|e| e.as_str()).collect()
}
