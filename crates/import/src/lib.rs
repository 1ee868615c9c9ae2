//! Files users already have into iamsnap snapshots.
//!
//! The output of `aws iam get-account-authorization-details` (decoded or URL-encoded
//! documents, one or several pages) in [`auth_details`], the IAM credential report CSV in
//! [`credential_report`] and service last accessed data saved with the AWS CLI in
//! [`last_accessed`]; [`import::import`] turns them into a snapshot, with the CloudTrail
//! activity `iamsnap-cloudtrail` summarized.
//!
//! The table building ([`build_tables_with`]) is shared with the live export
//! (`iamsnap-export`), which fills the same model ([`auth_details`], [`model`]) from the AWS
//! API, so both give the same tables for the same account.

pub mod auth_details;
pub mod capture;
pub mod capture_resources;
pub mod credential_report;
pub mod date;
mod error;
pub mod import;
mod json;
pub mod last_accessed;
pub mod model;
pub mod organization;
pub mod registry;
pub mod resources;
mod tables;

pub use error::{ImportError, JsonInput};
pub use iamsnap_cloudtrail::{NoProgress, Progress};
pub use import::{ImportRequest, add_activity, import};
pub use tables::{Imported, Page, arn_account, build_tables, build_tables_with};
