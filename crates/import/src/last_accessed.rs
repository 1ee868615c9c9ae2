//! Service last accessed data saved with the AWS CLI, for `import --service-last-accessed`.
//!
//! `aws iam get-service-last-accessed-details --job-id ...` prints one principal's data
//! without naming the principal, so the file holds one such output per principal, keyed by
//! the user's or role's ARN:
//!
//! ```json
//! {"arn:aws:iam::111122223333:role/app": {"JobStatus": "COMPLETED", "ServicesLastAccessed": [
//!   {"ServiceName": "Amazon S3", "ServiceNamespace": "s3",
//!    "LastAuthenticated": "2026-10-01T10:00:00Z", "TotalAuthenticatedEntities": 1}]}}
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{ImportError, JsonInput};
use crate::model::ServiceLastAccessed;
use crate::tables::arn_account;

/// One `get-service-last-accessed-details` output. Fields the IAM API may omit may be
/// absent or `null`; the others are read as such too (what a saved file lacks is unknown).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Details {
    #[serde(default)]
    job_status: Option<String>,
    #[serde(default, with = "crate::date::optional")]
    job_completion_date: Option<DateTime<Utc>>,
    #[serde(default)]
    services_last_accessed: Option<Vec<Service>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Service {
    service_name: String,
    service_namespace: String,
    #[serde(default, with = "crate::date::optional")]
    last_authenticated: Option<DateTime<Utc>>,
    #[serde(default)]
    last_authenticated_entity: Option<String>,
    #[serde(default)]
    last_authenticated_region: Option<String>,
    #[serde(default)]
    total_authenticated_entities: Option<i64>,
}

/// The rows of a saved file (`file` names it in errors).
pub fn parse(text: &str, file: &str) -> Result<Vec<ServiceLastAccessed>, ImportError> {
    let invalid = |message: String| ImportError::AuthDetails {
        file: file.to_owned(),
        input: JsonInput::ServiceLastAccessed,
        syntax: false,
        message,
        line: 0,
        column: 0,
    };
    let by_arn: BTreeMap<String, Details> =
        crate::json::read(text.as_bytes(), file, JsonInput::ServiceLastAccessed)?;
    let mut rows = Vec::new();
    for (arn, details) in by_arn {
        let principal_type = if arn.contains(":user/") {
            "user"
        } else if arn.contains(":role/") {
            "role"
        } else {
            return Err(invalid(format!(
                "`{arn}` is not the ARN of an IAM user or role"
            )));
        };
        let account_id = arn_account(&arn)
            .ok_or_else(|| invalid(format!("`{arn}` has no 12-digit account id")))?
            .to_owned();
        if let Some(status) = &details.job_status
            && status != "COMPLETED"
        {
            return Err(invalid(format!(
                "the report for `{arn}` has status {status}: save it once the job is COMPLETED"
            )));
        }
        let principal_name = arn.rsplit('/').next().unwrap_or_default().to_owned();
        for s in details.services_last_accessed.unwrap_or_default() {
            rows.push(ServiceLastAccessed {
                account_id: account_id.clone(),
                principal_arn: arn.clone(),
                principal_type,
                principal_name: principal_name.clone(),
                service_namespace: s.service_namespace,
                service_name: s.service_name,
                last_authenticated: s.last_authenticated,
                last_authenticated_entity: s.last_authenticated_entity,
                last_authenticated_region: s.last_authenticated_region,
                total_authenticated_entities: s.total_authenticated_entities,
                job_completion_date: details.job_completion_date,
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn outputs_keyed_by_arn_become_rows() {
        let rows = parse(
            r#"{"arn:aws:iam::111122223333:role/app/worker": {"JobStatus": "COMPLETED",
                "JobCompletionDate": "2026-11-01T00:00:00Z",
                "ServicesLastAccessed": [
                  {"ServiceName": "Amazon S3", "ServiceNamespace": "s3",
                   "LastAuthenticated": "2026-10-01T10:00:00Z", "LastAuthenticatedRegion": "eu-west-1",
                   "TotalAuthenticatedEntities": 1},
                  {"ServiceName": "AWS Key Management Service", "ServiceNamespace": "kms",
                   "TotalAuthenticatedEntities": 0}]}}"#,
            "sla.json",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].principal_type, "role");
        assert_eq!(rows[0].principal_name, "worker");
        assert_eq!(rows[0].account_id, "111122223333");
        assert!(rows[0].last_authenticated.is_some());
        assert_eq!(rows[1].last_authenticated, None);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = parse(r#"{"arn:aws:s3:::bucket": {}}"#, "f.json").unwrap_err();
        assert!(
            e.to_string().contains("not the ARN of an IAM user or role"),
            "{e}"
        );
        let e = parse(r#"{"arn:aws:iam::111122223333:role/r": {"ServicesLastAccessed": [{"ServiceName": 1}]}}"#, "f.json").unwrap_err();
        assert!(
            e.to_string()
                .contains("ServicesLastAccessed[0].ServiceName"),
            "{e}"
        );
        let e = parse(
            r#"{"arn:aws:iam::111122223333:role/r": {"JobStatus": "IN_PROGRESS"}}"#,
            "f.json",
        )
        .unwrap_err();
        assert!(e.to_string().contains("IN_PROGRESS"), "{e}");
    }
}
