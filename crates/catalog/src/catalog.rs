//! The catalog's model: services, their actions, resource types and condition keys, and
//! the lookups over them.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use crate::access::{AccessLevel, AccessLevels};
use crate::error::CatalogError;
use crate::resource::{ArnFormat, ResourceIndex, ResourcePattern};
use crate::set::{ActionId, ActionSet};

/// The AWS action catalog: every service, action, access level, resource type and
/// condition key that AWS documents, as of the data date.
///
/// Get the one embedded in the binary with [`Catalog::embedded`]. Lookups by name ignore
/// ASCII case, as IAM does for actions: `catalog.action("S3:getobject")` finds
/// `s3:GetObject`.
pub struct Catalog {
    pub(crate) source: &'static str,
    pub(crate) updated_at: &'static str,
    /// Sorted by prefix.
    pub(crate) services: Vec<Service>,
    /// For each action id, the index of its service in `services`.
    pub(crate) service_of: Vec<u16>,
    /// For each access level (by [`AccessLevel::index`]), the actions that have it.
    pub(crate) levels: Vec<ActionSet>,
    pub(crate) action_count: u32,
    pub(crate) resource_type_count: usize,
    pub(crate) condition_key_count: usize,
    /// The actions of each resource type, built on the first
    /// [`Catalog::actions_for_resource`].
    pub(crate) resource_index: OnceLock<ResourceIndex>,
}

/// The compressed catalog data, written by `scripts/update-catalog`.
static DATA: &[u8] = include_bytes!("../data/catalog.tsv.gz");

/// The uncompressed data text and its ASCII-lowercased copy. Every name in the catalog is
/// a slice of the first; the lowercased names that wildcard matching compares are the
/// same ranges of the second.
static TEXT: OnceLock<Result<(String, String), CatalogError>> = OnceLock::new();

static EMBEDDED: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();

impl Catalog {
    /// The catalog embedded in the binary, decoded on first use (a few milliseconds) and
    /// shared afterwards.
    ///
    /// An error means the embedded data is damaged: a build defect, not a user error.
    pub fn embedded() -> Result<&'static Catalog, CatalogError> {
        EMBEDDED
            .get_or_init(|| {
                let (text, lower) = TEXT
                    .get_or_init(|| {
                        let text = crate::decode::decompress(DATA)?;
                        let lower = text.to_ascii_lowercase();
                        Ok((text, lower))
                    })
                    .as_ref()
                    .map_err(Clone::clone)?;
                crate::decode::parse(text, lower)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Where the data comes from: `<npm package>@<version>`.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// When the source last changed its data (`updatedAt` of the package), as RFC 3339:
    /// `2026-09-26T04:46:59.905Z`.
    pub fn updated_at(&self) -> &'static str {
        self.updated_at
    }

    /// The date of the data, `YYYY-MM-DD` (the day of [`Catalog::updated_at`]).
    pub fn data_date(&self) -> &'static str {
        self.updated_at.get(..10).unwrap_or(self.updated_at)
    }

    /// Every service, sorted by prefix.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The service with this prefix (`s3`, `IAM`), in any case.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.services
            .binary_search_by(|s| cmp_ignore_case(s.prefix, prefix))
            .ok()
            .and_then(|i| self.services.get(i))
    }

    /// Every action, in id order.
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.services.iter().flat_map(|s| s.actions.iter())
    }

    /// The action with this full name (`s3:GetObject`), in any case.
    pub fn action(&self, full_name: &str) -> Option<&Action> {
        let (prefix, name) = full_name.split_once(':')?;
        self.service(prefix)?.action(name)
    }

    /// The action with this id.
    pub fn action_by_id(&self, id: ActionId) -> Option<&Action> {
        let service = self
            .services
            .get(usize::from(*self.service_of.get(id.index())?))?;
        service
            .actions
            .get(id.index().checked_sub(service.first as usize)?)
    }

    /// The actions of `set`, in id order.
    pub fn actions_in<'a>(&'a self, set: &'a ActionSet) -> impl Iterator<Item = &'a Action> {
        set.iter().filter_map(|id| self.action_by_id(id))
    }

    /// The access levels of the action with this full name, in any case.
    pub fn access_level(&self, full_name: &str) -> Option<AccessLevels> {
        self.action(full_name).map(Action::access_levels)
    }

    /// The actions of `set` that have `level` (among others, for compound levels).
    pub fn actions_with_level(&self, set: &ActionSet, level: AccessLevel) -> ActionSet {
        match self.levels.get(level.index()) {
            Some(with_level) => set.intersection(with_level),
            None => self.empty_set(),
        }
    }

    /// An empty set over this catalog's actions.
    pub fn empty_set(&self) -> ActionSet {
        ActionSet::empty(self.action_count)
    }

    /// The set of all this catalog's actions.
    pub fn full_set(&self) -> ActionSet {
        ActionSet::full(self.action_count)
    }

    /// How many services.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// How many actions, over all services.
    pub fn action_count(&self) -> usize {
        self.action_count as usize
    }

    /// How many resource types, over all services.
    pub fn resource_type_count(&self) -> usize {
        self.resource_type_count
    }

    /// How many condition keys, over all services. A global key (`aws:ResourceTag/${TagKey}`)
    /// counts once per service that supports it.
    pub fn condition_key_count(&self) -> usize {
        self.condition_key_count
    }

    /// The actions that can apply to resources matching the `Resource` pattern `pattern`:
    /// those with a resource type some ARN of which can match it
    /// ([`ResourceType::can_match`]), and, when the pattern matches the text `*` (as the
    /// evaluator sees it: `*`, `**`, `?`), the actions without resource types, which AWS
    /// authorizes only against `Resource: "*"`. A pattern made only of `*` gives every
    /// action.
    ///
    /// `arn:aws:s3:::bucket/*` gives `s3:GetObject` but not `s3:ListBucket`;
    /// `arn:aws:iam::*:role/*` gives `iam:PassRole` but not `iam:CreateUser`.
    ///
    /// Over-approximates (see [`crate::resource`]): an action left out cannot apply to any
    /// resource the pattern matches. The pattern is compiled on each call; callers that ask
    /// about the same pattern often should keep the answers.
    pub fn actions_for_resource(&self, pattern: &str) -> ActionSet {
        self.actions_for_pattern(&ResourcePattern::new(pattern))
    }

    /// [`Catalog::actions_for_resource`] for a compiled pattern.
    pub fn actions_for_pattern(&self, pattern: &ResourcePattern) -> ActionSet {
        self.resource_index
            .get_or_init(|| ResourceIndex::new(self))
            .actions_for(self, pattern)
    }

    /// How many actions have `level` (among others, for compound levels).
    pub fn level_count(&self, level: AccessLevel) -> usize {
        self.levels.get(level.index()).map_or(0, ActionSet::len)
    }
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("source", &self.source)
            .field("updated_at", &self.updated_at)
            .field("services", &self.services.len())
            .field("actions", &self.action_count)
            .finish_non_exhaustive()
    }
}

/// An AWS service: the prefix its actions carry (`s3`) and what it offers.
#[derive(Debug)]
pub struct Service {
    pub(crate) prefix: &'static str,
    pub(crate) name: &'static str,
    /// The id of the first action.
    pub(crate) first: u32,
    /// Sorted by lowercased name; ids `first..first + len`.
    pub(crate) actions: Vec<Action>,
    /// Sorted by lowercased name.
    pub(crate) resource_types: Vec<ResourceType>,
    /// Sorted by lowercased name.
    pub(crate) condition_keys: Vec<ConditionKey>,
}

impl Service {
    /// The prefix of the service's actions, lowercase: `s3`, `access-analyzer`.
    pub fn prefix(&self) -> &'static str {
        self.prefix
    }

    /// The service's name: `Amazon S3`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The service's actions, sorted by lowercased name (their ids ascend in this order).
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// The action with this name, without prefix (`GetObject`), in any case.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|a| cmp_ignore_case(a.name(), name))
            .ok()
            .and_then(|i| self.actions.get(i))
    }

    /// The ids of the service's actions: `start..end`.
    pub fn action_ids(&self) -> std::ops::Range<u32> {
        self.first..self.first.saturating_add(self.actions.len() as u32)
    }

    /// The service's resource types, sorted by lowercased name.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The resource type with this name (`object`), in any case.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .binary_search_by(|r| cmp_ignore_case(r.name, name))
            .ok()
            .and_then(|i| self.resource_types.get(i))
    }

    /// The condition keys the service supports (its own and the global ones it honours),
    /// sorted by lowercased name.
    pub fn condition_keys(&self) -> &[ConditionKey] {
        &self.condition_keys
    }

    /// The condition key with this name (`s3:prefix`), in any case.
    pub fn condition_key(&self, name: &str) -> Option<&ConditionKey> {
        self.condition_keys
            .binary_search_by(|k| cmp_ignore_case(k.name, name))
            .ok()
            .and_then(|i| self.condition_keys.get(i))
    }
}

/// An action: `s3:GetObject`.
#[derive(Debug)]
pub struct Action {
    pub(crate) id: ActionId,
    /// `s3:GetObject`.
    pub(crate) full_name: &'static str,
    /// `s3:getobject`.
    pub(crate) lower_full_name: &'static str,
    /// The length of the prefix in `full_name`.
    pub(crate) prefix_len: usize,
    pub(crate) access_levels: AccessLevels,
    pub(crate) resource_types: &'static [ActionResource],
    pub(crate) condition_keys: &'static [&'static str],
}

impl Action {
    /// The action's id in the global action table.
    pub fn id(&self) -> ActionId {
        self.id
    }

    /// The prefix of the action's service: `s3`.
    pub fn service(&self) -> &'static str {
        self.full_name.get(..self.prefix_len).unwrap_or("")
    }

    /// The action's name in AWS casing, without prefix: `GetObject`.
    pub fn name(&self) -> &'static str {
        self.full_name.get(self.prefix_len + 1..).unwrap_or("")
    }

    /// `prefix:Name`, as policies write it: `s3:GetObject`.
    pub fn full_name(&self) -> &'static str {
        self.full_name
    }

    /// [`Action::full_name`], lowercased: `s3:getobject`.
    pub fn lower_full_name(&self) -> &'static str {
        self.lower_full_name
    }

    /// [`Action::name`], lowercased: `getobject`.
    pub(crate) fn lower_name(&self) -> &'static str {
        self.lower_full_name
            .get(self.prefix_len + 1..)
            .unwrap_or("")
    }

    /// The action's access levels; most have one, some two
    /// (`Permissions management, Write`).
    pub fn access_levels(&self) -> AccessLevels {
        self.access_levels
    }

    /// The resource types the action applies to. Empty when it supports only `*`.
    pub fn resource_types(&self) -> &'static [ActionResource] {
        self.resource_types
    }

    /// The condition keys the action supports, whatever the resource.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.condition_keys
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.full_name)
    }
}

/// A resource type as one action uses it.
#[derive(Debug)]
pub struct ActionResource {
    pub(crate) name: &'static str,
    pub(crate) arn_format: &'static str,
    pub(crate) required: bool,
    pub(crate) condition_keys: &'static [&'static str],
}

impl ActionResource {
    /// The resource type's name: `object`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The ARN format of the resource type:
    /// `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub fn arn_format(&self) -> &'static str {
        self.arn_format
    }

    /// Whether AWS marks the resource type as required for the action (an asterisk in the
    /// Service Authorization Reference).
    pub fn required(&self) -> bool {
        self.required
    }

    /// Condition keys the action supports only with this resource type.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.condition_keys
    }
}

/// A resource type of a service: `object` of `s3`.
#[derive(Debug)]
pub struct ResourceType {
    pub(crate) name: &'static str,
    pub(crate) arn_format: &'static str,
    pub(crate) condition_keys: &'static [&'static str],
    /// `arn_format`, compiled with the variable rules of its service.
    pub(crate) arn: ArnFormat,
}

impl ResourceType {
    /// The resource type's name: `object`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its ARN format: `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub fn arn_format(&self) -> &'static str {
        self.arn_format
    }

    /// The condition keys that apply to resources of this type.
    pub fn condition_keys(&self) -> &'static [&'static str] {
        self.condition_keys
    }

    /// Its ARN format, compiled: which variables may hold `/` or `:`.
    pub fn arn(&self) -> &ArnFormat {
        &self.arn
    }

    /// Whether some ARN of this type can match the `Resource` pattern `pattern`
    /// (`arn:aws:s3:::acme-app-data/*`). Over-approximates: `false` only when no ARN of
    /// [`ResourceType::arn_format`] matches, with the variable rules of
    /// [`crate::resource`]. Compile the pattern once with [`ResourcePattern::new`] and use
    /// [`ArnFormat::can_match`] to test it against many types.
    pub fn can_match(&self, pattern: &str) -> bool {
        self.arn.can_match(&ResourcePattern::new(pattern))
    }
}

/// A condition key a service supports: `s3:prefix` (String).
#[derive(Debug)]
pub struct ConditionKey {
    pub(crate) name: &'static str,
    pub(crate) key_type: ConditionKeyType,
}

impl ConditionKey {
    /// The key's name in AWS casing: `aws:ResourceTag/${TagKey}`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The type of the key's values.
    pub fn key_type(&self) -> ConditionKeyType {
        self.key_type
    }
}

/// The type of a condition key's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConditionKeyType {
    /// `String`.
    String,
    /// `ArrayOfString`.
    ArrayOfString,
    /// `ARN`.
    Arn,
    /// `ArrayOfARN`.
    ArrayOfArn,
    /// `Bool`.
    Bool,
    /// `ArrayOfBool`.
    ArrayOfBool,
    /// `Numeric`.
    Numeric,
    /// `ArrayOfNumeric`.
    ArrayOfNumeric,
    /// `Date`.
    Date,
    /// `ArrayOfDate`.
    ArrayOfDate,
    /// `IPAddress`.
    IpAddress,
    /// `ArrayOfIPAddress`.
    ArrayOfIpAddress,
    /// `Binary`.
    Binary,
    /// `ArrayOfBinary`.
    ArrayOfBinary,
}

impl ConditionKeyType {
    const ALL: [ConditionKeyType; 14] = [
        ConditionKeyType::String,
        ConditionKeyType::ArrayOfString,
        ConditionKeyType::Arn,
        ConditionKeyType::ArrayOfArn,
        ConditionKeyType::Bool,
        ConditionKeyType::ArrayOfBool,
        ConditionKeyType::Numeric,
        ConditionKeyType::ArrayOfNumeric,
        ConditionKeyType::Date,
        ConditionKeyType::ArrayOfDate,
        ConditionKeyType::IpAddress,
        ConditionKeyType::ArrayOfIpAddress,
        ConditionKeyType::Binary,
        ConditionKeyType::ArrayOfBinary,
    ];

    /// The name AWS uses: `String`, `ArrayOfARN`, `IPAddress`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionKeyType::String => "String",
            ConditionKeyType::ArrayOfString => "ArrayOfString",
            ConditionKeyType::Arn => "ARN",
            ConditionKeyType::ArrayOfArn => "ArrayOfARN",
            ConditionKeyType::Bool => "Bool",
            ConditionKeyType::ArrayOfBool => "ArrayOfBool",
            ConditionKeyType::Numeric => "Numeric",
            ConditionKeyType::ArrayOfNumeric => "ArrayOfNumeric",
            ConditionKeyType::Date => "Date",
            ConditionKeyType::ArrayOfDate => "ArrayOfDate",
            ConditionKeyType::IpAddress => "IPAddress",
            ConditionKeyType::ArrayOfIpAddress => "ArrayOfIPAddress",
            ConditionKeyType::Binary => "Binary",
            ConditionKeyType::ArrayOfBinary => "ArrayOfBinary",
        }
    }

    /// Whether the key holds a list of values (`ArrayOf...`), for the `ForAllValues` and
    /// `ForAnyValue` qualifiers.
    pub fn is_array(self) -> bool {
        self.as_str().starts_with("ArrayOf")
    }

    /// The type named `name` exactly as AWS writes it.
    pub(crate) fn from_aws_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

impl fmt::Display for ConditionKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares as if both were ASCII-lowercased, without allocating.
pub(crate) fn cmp_ignore_case(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn condition_key_types_round_trip_their_aws_names() {
        for t in ConditionKeyType::ALL {
            assert_eq!(ConditionKeyType::from_aws_name(t.as_str()), Some(t));
        }
        assert_eq!(ConditionKeyType::from_aws_name("string"), None);
        assert!(ConditionKeyType::ArrayOfArn.is_array());
        assert!(!ConditionKeyType::Arn.is_array());
    }

    #[test]
    fn case_insensitive_comparison_orders_like_lowercased_strings() {
        assert_eq!(cmp_ignore_case("S3", "s3"), Ordering::Equal);
        assert_eq!(cmp_ignore_case("GetObject", "getobjectacl"), Ordering::Less);
        assert_eq!(cmp_ignore_case("b", "A"), Ordering::Greater);
    }
}
