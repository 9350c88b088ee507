//! Google SecOps: the SIEM (Chronicle UDM search, [`SecOpsSiem`]) and the SOAR (Siemplify
//! external API, [`SecOpsSoar`]), both on the shared [`HttpClient`](crate::http::HttpClient).
//!
//! ```toml
//! [secops_siem]
//! base_url = "https://us-chronicle.googleapis.com"
//! instance = "projects/my-project/locations/us/instances/00000000-0000-0000-0000-000000000000"
//! api_version = "v1alpha"                            # default
//! token = { file = "/run/irp/google-access-token" }  # OAuth access token, re-read per request
//!
//! [secops_soar]
//! base_url = "https://acme.siemplify-soar.com"
//! api_key = { env = "SECOPS_SOAR_API_KEY" }
//! close_reason = "malicious"        # malicious | not_malicious | maintenance | inconclusive | unknown
//! root_cause = "Compromised account" # must exist in Settings > Case Data > Case Close Root Cause
//! lookback_days = 30                # how far back related and duplicate cases are searched
//! max_cases_scanned = 50            # full-detail reads per search, at most
//! journal_db = "irp-journal.sqlite" # where approvals and the action journal are kept
//! ```

mod siem;
mod soar;
pub mod udm;

pub use siem::{SecOpsSiem, SecOpsSiemConfig};
pub use soar::{CloseReason, SecOpsSoar, SecOpsSoarConfig};
