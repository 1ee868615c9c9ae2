//! Sources of iamsnap snapshots.
//!
//! Today: files users already have — the output of `aws iam
//! get-account-authorization-details` (decoded or URL-encoded documents, one or several
//! pages) and the IAM credential report CSV. [`import::import`] turns them into a snapshot.
//! With the `live` feature, [`live::export`] reads a live account through the AWS API into
//! a snapshot of the same tables, built by the same code. CloudTrail events — log files
//! ([`cloudtrail::summarize_paths`]), log objects in S3 and CloudTrail's event history
//! (`live::read_cloudtrail`, or as part of an export) — are summarized into `activity` by
//! one [`cloudtrail::Summarizer`].

pub mod auth_details;
pub mod cloudtrail;
pub mod credential_report;
pub mod date;
mod error;
pub mod import;
pub mod last_accessed;
pub mod live;
mod tables;

pub use error::{ImportError, MAX_QUOTED, excerpt, excerpt_to};
pub use import::{ImportRequest, NoProgress, Progress, add_activity, import};
pub use tables::{Imported, Page, arn_account, build_tables, build_tables_with};
