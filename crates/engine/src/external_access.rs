//! The `external_access` table: what principals outside the zone of trust (the
//! organization; without organization data, the snapshot's accounts) can do to the
//! snapshot's resources and roles, as the access model answers
//! ([`iamsnap_access::Model::external_access`]).
//!
//! Computed on the first scan and kept for the engine's lifetime: rules and views read it
//! several times.

use std::sync::{Arc, OnceLock};

use arrow::array::{ArrayRef, BooleanBuilder, ListBuilder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::Result;
use datafusion::execution::context::SessionContext;
use iamsnap_access::external::ExternalAccess;

use crate::engine::TableInfo;
use crate::error::EngineError;
use crate::model::SharedModel;
use crate::stream::{Computed, MakeBatches, batches};
use crate::views::col;

fn schema() -> SchemaRef {
    let text = |name: &str, nullable| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("account_id", true),
        text("resource_arn", false),
        text("resource_type", false),
        text("principal", false),
        text("principal_type", false),
        text("principal_account", true),
        text("scope", false),
        text("decision", false),
        text("access", false),
        Field::new("writes", DataType::Boolean, false),
        Field::new(
            "actions",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        text("conditions", true),
        text("reason", false),
    ]))
}

/// The table's documentation, like the stored tables'.
pub(crate) fn doc() -> TableInfo {
    TableInfo {
        name: "external_access".to_owned(),
        doc: "One row per (resource or role, principal outside the zone of trust, decision): what accounts outside the organization, anyone, AWS services and federated identities can do to the snapshot's resources (their resource-based policies, and the KMS grants of keys) and roles (their trust policies), after the policy's denies, the RCPs over the resource's account and S3 Block Public Access. The zone of trust is the organization's accounts; without organization data, the snapshot's accounts. Conditions only members of the organization meet (`aws:PrincipalOrgID`, `aws:SourceAccount` of its accounts, ...) keep a principal out; other conditions make the row `conditional`, with the conditions listed. An outsider's own policies are not in the snapshot: the resource side alone decides, as for an account that grants itself everything.".to_owned(),
        columns: vec![
            col("account_id", "text", "Account of the resource (null when the snapshot cannot tell)."),
            col("resource_arn", "text", "The resource's ARN; the role's for a trust policy."),
            col("resource_type", "text", "`role` for a trust policy, else the resource's service (`s3`, `kms`, `sqs`, ...)."),
            col("principal", "text", "The principal as the policy names it: an account's root ARN, a role or user ARN, `*`, a service (`sns.amazonaws.com`) or an identity provider."),
            col("principal_type", "text", "`account`, `role`, `user`, `anyone`, `service`, `oidc`, `saml`, `web-identity`, `canonical-user`, ..."),
            col("principal_account", "text", "The principal's account, when it names one."),
            col("scope", "text", "`external` (an account outside the zone of trust), `public` (anyone), `service` (an AWS service acting for any account unless a condition says which) or `federated` (an identity provider's users)."),
            col("decision", "text", "`allow`, or `conditional`: allowed only if `conditions` hold, which the snapshot cannot decide (`aws:SourceIp`, `sts:ExternalId`, an OIDC subject, another organization's id, ...)."),
            col("access", "text", "The access levels of `actions`, most powerful first, comma-separated: `Permissions management, Write, Tagging, Read, List`."),
            col("writes", "boolean", "Whether the access goes beyond reading and listing: a Write, Permissions management or Tagging action, or acting as a role."),
            col("actions", "list<text>", "The actions allowed (or conditionally allowed), as the catalog spells them."),
            col("conditions", "text", "For a conditional row, the conditions of the statements that would allow it, e.g. `statement 1 (Vendor): StringEquals sts:ExternalId 8f2...`."),
            col("reason", "text", "The evaluator's explanation for the most powerful action."),
        ],
    }
}

/// The rows, computed on the first call; an error once the query is cancelled.
fn rows(
    shared: &SharedModel,
    cache: &OnceLock<Arc<Vec<ExternalAccess>>>,
) -> Result<Arc<Vec<ExternalAccess>>> {
    if let Some(rows) = cache.get() {
        return Ok(Arc::clone(rows));
    }
    let model = shared.get()?;
    let rows = model.external_access(|| shared.check_cancelled().is_ok());
    // Cut short by a cancellation: not kept.
    shared.check_cancelled()?;
    Ok(Arc::clone(cache.get_or_init(|| Arc::new(rows))))
}

fn batch(rows: &[ExternalAccess]) -> Result<RecordBatch> {
    let mut account = StringBuilder::new();
    let mut resource = StringBuilder::new();
    let mut resource_type = StringBuilder::new();
    let mut principal = StringBuilder::new();
    let mut principal_type = StringBuilder::new();
    let mut principal_account = StringBuilder::new();
    let mut scope = StringBuilder::new();
    let mut decision = StringBuilder::new();
    let mut access = StringBuilder::new();
    let mut writes = BooleanBuilder::new();
    let mut actions = ListBuilder::new(StringBuilder::new());
    let mut conditions = StringBuilder::new();
    let mut reason = StringBuilder::new();
    for r in rows {
        account.append_option(r.resource_account.as_deref());
        resource.append_value(&r.resource);
        resource_type.append_value(&r.resource_type);
        principal.append_value(&r.principal);
        principal_type.append_value(&r.principal_type);
        principal_account.append_option(r.principal_account.as_deref());
        scope.append_value(r.scope.as_str());
        decision.append_value(r.decision);
        access.append_value(r.access_levels.join(", "));
        writes.append_value(r.writes());
        for a in &r.actions {
            actions.values().append_value(a);
        }
        actions.append(true);
        conditions.append_option(r.conditions.as_deref());
        reason.append_value(&r.reason);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(account.finish()),
        Arc::new(resource.finish()),
        Arc::new(resource_type.finish()),
        Arc::new(principal.finish()),
        Arc::new(principal_type.finish()),
        Arc::new(principal_account.finish()),
        Arc::new(scope.finish()),
        Arc::new(decision.finish()),
        Arc::new(access.finish()),
        Arc::new(writes.finish()),
        Arc::new(actions.finish()),
        Arc::new(conditions.finish()),
        Arc::new(reason.finish()),
    ];
    Ok(RecordBatch::try_new(schema(), columns)?)
}

/// Registers the table over `model` as `name`.
pub(crate) fn register(
    ctx: &SessionContext,
    model: Arc<SharedModel>,
    name: &str,
) -> std::result::Result<(), EngineError> {
    // Computed on the first scan and kept for the engine's lifetime, in order: one
    // partition.
    let cache: Arc<OnceLock<Arc<Vec<ExternalAccess>>>> = Arc::new(OnceLock::new());
    let make: Arc<MakeBatches> = Arc::new(move |_index, _count, batch_rows| {
        let model = Arc::clone(&model);
        let cache = Arc::clone(&cache);
        let mut next = 0usize;
        Box::new(batches(move || {
            let rows = rows(&model, &cache)?;
            let Some(chunk) = rows.get(next..).filter(|c| !c.is_empty()) else {
                return Ok(None);
            };
            let chunk = chunk.get(..batch_rows.min(chunk.len())).unwrap_or(chunk);
            next += chunk.len();
            batch(chunk).map(Some)
        }))
    });
    let table = Computed::table(schema(), Some(1), make);
    ctx.register_table(name, Arc::new(table))
        .map_err(|e| EngineError::Internal(e.to_string()))?;
    Ok(())
}
