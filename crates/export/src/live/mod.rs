//! Export from a live AWS account.
//!
//! [`export`] reads an account through the IAM and STS APIs — the authorization details
//! (every page), access keys and their last use, the credential report, service last
//! accessed data for every user and role, identity providers, the password policy and the
//! account aliases — and, when asked, its CloudTrail activity (log objects in S3, or the
//! event history through `LookupEvents`), and writes a snapshot through the same
//! table-building path as the file import. [`read_cloudtrail`] reads the CloudTrail
//! sources alone. A part the caller may not read (AccessDenied) is recorded in the
//! manifest's `missing`, naming the IAM action to grant, unless the export is strict.
//!
//! [`model`] and [`actions`] are plain data and build without the AWS SDK; the rest needs
//! the `live` feature.

pub mod actions;
pub mod model;

#[cfg(feature = "live")]
mod api;
#[cfg(feature = "live")]
mod cloudtrail;
#[cfg(feature = "live")]
mod convert;
#[cfg(feature = "live")]
mod error;
#[cfg(feature = "live")]
mod run;

#[cfg(feature = "live")]
pub use api::{CallStats, Connection};
#[cfg(feature = "live")]
pub use cloudtrail::{CloudTrailOutcome, CloudTrailRequest, LookupRequest, read_cloudtrail};
#[cfg(feature = "live")]
pub use error::{ApiError, ExportError, FailureKind};
#[cfg(feature = "live")]
pub use run::{ExportOutcome, ExportProgress, ExportRequest, NoExportProgress, export};
