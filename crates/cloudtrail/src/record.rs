//! The fields of a CloudTrail record the summaries use, deserialized without copying
//! strings that need no unescaping. Every other field is skipped.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

/// A JSON string borrowed from the input when it has no escapes, owned otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Str<'a>(pub(crate) Cow<'a, str>);

impl Str<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V(std::marker::PhantomData))
    }
}

/// One CloudTrail event record, as far as the summaries need it.
#[derive(Debug, Deserialize)]
pub(crate) struct Record<'a> {
    #[serde(rename = "eventTime", borrow)]
    pub(crate) event_time: Option<Str<'a>>,
    #[serde(rename = "eventSource", borrow)]
    pub(crate) event_source: Option<Str<'a>>,
    #[serde(rename = "eventName", borrow)]
    pub(crate) event_name: Option<Str<'a>>,
    #[serde(rename = "awsRegion", borrow)]
    pub(crate) aws_region: Option<Str<'a>>,
    #[serde(rename = "sourceIPAddress", borrow)]
    pub(crate) source_ip: Option<Str<'a>>,
    #[serde(rename = "userAgent", borrow)]
    pub(crate) user_agent: Option<Str<'a>>,
    #[serde(rename = "errorCode", borrow)]
    pub(crate) error_code: Option<Str<'a>>,
    #[serde(rename = "recipientAccountId", borrow)]
    pub(crate) recipient_account_id: Option<Str<'a>>,
    #[serde(rename = "userIdentity", borrow)]
    pub(crate) user_identity: Option<UserIdentity<'a>>,
}

/// `userIdentity`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserIdentity<'a> {
    #[serde(rename = "type", borrow)]
    pub(crate) kind: Option<Str<'a>>,
    #[serde(rename = "principalId", borrow)]
    pub(crate) principal_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(crate) arn: Option<Str<'a>>,
    #[serde(rename = "accountId", borrow)]
    pub(crate) account_id: Option<Str<'a>>,
    #[serde(rename = "userName", borrow)]
    pub(crate) user_name: Option<Str<'a>>,
    #[serde(rename = "invokedBy", borrow)]
    pub(crate) invoked_by: Option<Str<'a>>,
    #[serde(rename = "sessionContext", borrow)]
    pub(crate) session_context: Option<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SessionContext<'a> {
    #[serde(rename = "sessionIssuer", borrow)]
    pub(crate) session_issuer: Option<SessionIssuer<'a>>,
}

/// `userIdentity.sessionContext.sessionIssuer`: the role (or user) that issued the
/// temporary credentials.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SessionIssuer<'a> {
    #[serde(borrow)]
    pub(crate) arn: Option<Str<'a>>,
}

/// The text of an optional string field, with empty strings treated as absent.
pub(crate) fn text<'s>(field: &'s Option<Str<'_>>) -> Option<&'s str> {
    field.as_ref().map(Str::as_str).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let json =
            br#"{"eventName":"GetObject","userAgent":"a\"b","eventTime":null,"x":{"y":[1,2]}}"#;
        let r: Record<'_> = serde_json::from_slice(json).unwrap();
        assert!(matches!(
            r.event_name.as_ref().map(|s| &s.0),
            Some(Cow::Borrowed("GetObject"))
        ));
        assert_eq!(r.user_agent.as_ref().map(Str::as_str), Some("a\"b"));
        assert!(r.event_time.is_none());
    }

    /// CloudTrail writes `null` for what it does not know (`userIdentity.userName` of a
    /// role, `sessionContext.sessionIssuer` of a user, `errorCode`...): every field the
    /// summary reads may be `null` or absent, at every level.
    #[test]
    fn every_field_may_be_null_or_absent() {
        let fields = [
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "errorCode",
            "recipientAccountId",
            "userIdentity",
        ];
        let nulls: String = fields
            .iter()
            .map(|f| format!("\"{f}\":null"))
            .collect::<Vec<_>>()
            .join(",");
        for json in [
            format!("{{{nulls}}}"),
            "{}".to_owned(),
            r#"{"userIdentity":{"type":null,"principalId":null,"arn":null,"accountId":null,"userName":null,"invokedBy":null,"sessionContext":null}}"#.to_owned(),
            r#"{"userIdentity":{"sessionContext":{"sessionIssuer":null}}}"#.to_owned(),
            r#"{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":null}}}}"#.to_owned(),
        ] {
            let r: Record<'_> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert!(r.event_name.is_none() && r.error_code.is_none(), "{json}");
            let issuer = r
                .user_identity
                .as_ref()
                .and_then(|u| u.session_context.as_ref())
                .and_then(|c| c.session_issuer.as_ref())
                .and_then(|i| text(&i.arn));
            assert_eq!(issuer, None, "{json}");
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_is_an_error() {
        assert!(serde_json::from_slice::<Record<'_>>(br#"{"eventName":5}"#).is_err());
        assert!(serde_json::from_slice::<Record<'_>>(br#"[1]"#).is_err());
    }
}
