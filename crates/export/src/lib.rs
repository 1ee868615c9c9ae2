//! Sources of iamsnap snapshots.
//!
//! Today: files users already have — the output of `aws iam
//! get-account-authorization-details` (decoded or URL-encoded documents, one or several
//! pages) and the IAM credential report CSV. [`import::import`] turns them into a snapshot.

pub mod auth_details;
pub mod credential_report;
pub mod date;
mod error;
pub mod import;
mod tables;

pub use error::ImportError;
pub use import::{ImportRequest, NoProgress, Progress, import};
pub use tables::{Imported, Page, arn_account, build_tables};
