//! Export from a live AWS account into an iamsnap snapshot.
//!
//! [`export`] reads an account through the IAM and STS APIs — the authorization details
//! (every page), access keys and their last use, the credential report, service last
//! accessed data for every user and role, identity providers, the password policy and the
//! account aliases — and, when asked, its CloudTrail activity (log objects in S3, or the
//! event history through `LookupEvents`), and writes a snapshot through the same
//! table-building path as the file import (`iamsnap-import`). [`read_cloudtrail`] reads the
//! CloudTrail sources alone, summarized by `iamsnap-cloudtrail`. A part the caller may not
//! read (AccessDenied) is recorded in the manifest's `missing`, naming the IAM action to
//! grant, unless the export is strict.
//!
//! Unless asked not to, it also reads resource-based policies and the settings that change
//! exposure into `resource_policies`, `resource_settings` and `kms_grants`: S3 buckets
//! (policy, Block Public Access, ownership controls, tags) and the account's Block Public
//! Access through the S3 SDK; KMS keys (policy, grants, tags), SQS queues, SNS topics,
//! Secrets Manager secrets, Lambda functions and ECR repositories in every region asked
//! for, through a small SigV4-signed client (`signed`) driven by a registry of resource
//! kinds (`services`).
//!
//! With [`ExportRequest::org`] it reads a whole AWS Organization (`org`): its structure,
//! service and resource control policies and account tags through the Organizations API,
//! then every account as above, through a role entered in each, into one snapshot.
//!
//! [`actions`] lists every API called with the IAM action that allows it.

pub mod actions;
mod api;
mod cloudtrail;
mod convert;
mod error;
mod org;
mod resources;
mod run;
mod services;
mod signed;
mod xml;

pub use api::{CallStats, Connection};
pub use cloudtrail::{CloudTrailOutcome, CloudTrailRequest, LookupRequest, read_cloudtrail};
pub use error::{ApiError, ExportError, FailureKind};
pub use org::OrgRequest;
pub use run::{ExportOutcome, ExportProgress, ExportRequest, NoExportProgress, export};
