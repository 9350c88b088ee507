//! User-agent normalisation to (client family, OS family), so that a browser update is not a
//! new device and a spoofed or scripted client is.

use serde::Serialize;

/// The client and OS family of a user agent, e.g. (`Chrome`, `Windows`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UaFamily<'a> {
    /// Browser or client family (`Chrome`, `Safari`, `python-requests`, ...).
    pub client: &'a str,
    /// OS family (`Windows`, `macOS`, `iOS`, `Android`, `Linux`, `ChromeOS`, `other`).
    pub os: &'static str,
}

/// An owned [`UaFamily`], as the baseline keeps it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct UaFamilyOwned {
    /// Client family.
    pub client: String,
    /// OS family.
    pub os: String,
}

impl UaFamily<'_> {
    /// True when `owned` is the same family (client compared case-insensitively).
    pub fn matches(&self, owned: &UaFamilyOwned) -> bool {
        self.os == owned.os && self.client.eq_ignore_ascii_case(&owned.client)
    }

    /// The owned copy.
    pub fn to_owned_family(&self) -> UaFamilyOwned {
        UaFamilyOwned { client: self.client.to_owned(), os: self.os.to_owned() }
    }

    /// True for HTTP libraries and legacy-auth clients: people do not sign in interactively
    /// with `python-requests`, attackers' tooling does.
    pub fn is_scripted(&self) -> bool {
        const SCRIPTED: &[&str] = &[
            "python-requests",
            "python-urllib",
            "python-httpx",
            "aiohttp",
            "curl",
            "wget",
            "go-http-client",
            "axios",
            "node-fetch",
            "undici",
            "powershell",
            "java",
            "libwww-perl",
            "bav2ropc",
            "httpclient",
        ];
        SCRIPTED.iter().any(|s| self.client.eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for UaFamily<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {}", self.client, self.os)
    }
}

/// Normalises a raw user agent; `None` for an empty one. Never allocates.
pub fn family(ua: &str) -> Option<UaFamily<'_>> {
    let ua = ua.trim();
    if ua.is_empty() {
        return None;
    }
    let has = |s: &str| ua.contains(s);
    // Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
    let client = if has("Edg/") || has("Edge/") || has("EdgA/") || has("EdgiOS/") {
        "Edge"
    } else if has("OPR/") || has("Opera") {
        "Opera"
    } else if has("SamsungBrowser/") {
        "Samsung Internet"
    } else if has("Firefox/") || has("FxiOS/") {
        "Firefox"
    } else if has("CriOS/") || has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("MSIE ") || has("Trident/") {
        "Internet Explorer"
    } else if has("BAV2ROPC") {
        "BAV2ROPC"
    } else if has("Microsoft Office") || has("Outlook") || has("MSOffice") {
        "Microsoft Office"
    } else if has("Safari/") || (has("AppleWebKit/") && (has("iPhone") || has("iPad"))) {
        "Safari"
    } else {
        // Anything else: its product token (`python-requests/2.31` -> `python-requests`).
        let token = ua.split(['/', ' ', ';', '(']).next().unwrap_or(ua);
        if token.is_empty() {
            "other"
        } else {
            token
        }
    };
    let os = if has("iPhone") || has("iPad") || has("iPod") || has("iOS") {
        "iOS"
    } else if has("Android") {
        "Android"
    } else if has("Windows") || has("Win64") || has("WOW64") {
        "Windows"
    } else if has("CrOS") {
        "ChromeOS"
    } else if has("Mac OS X") || has("Macintosh") || has("macOS") || has("Darwin") {
        "macOS"
    } else if has("Linux") || has("X11") {
        "Linux"
    } else {
        "other"
    };
    Some(UaFamily { client, os })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_updates_keep_the_family() {
        let a = family("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36").unwrap();
        let b = family("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36").unwrap();
        assert_eq!(a, b);
        assert_eq!((a.client, a.os), ("Chrome", "Windows"));
    }

    #[test]
    fn families() {
        let edge =
            family("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0").unwrap();
        assert_eq!(edge.client, "Edge");
        let ios = family("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1").unwrap();
        assert_eq!((ios.client, ios.os), ("Safari", "iOS"));
        let mac =
            family("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0").unwrap();
        assert_eq!((mac.client, mac.os), ("Firefox", "macOS"));
        let py = family("python-requests/2.31.0").unwrap();
        assert_eq!((py.client, py.os), ("python-requests", "other"));
        assert!(py.is_scripted());
        assert!(!mac.is_scripted());
        assert!(family("  ").is_none());
        let android =
            family("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36")
                .unwrap();
        assert_eq!(android.os, "Android");
    }
}
