//! The planted drift: four realistic changes applied on top of a generated account.

use iamsnap_import::auth_details::PolicyVersion;

use crate::doc::{Stmt, doc_of};
use crate::planted::{self, Caps};
use crate::rng::{DAY, days_before, plus};
use crate::roles::{RoleSpec, account_trust, github_trust};
use crate::users::Key;
use crate::{Account, DRIFT_PARTNER_ACCOUNT, DRIFT_ROLES};

impl Account {
    /// Applies the drift. Touches nothing of the base account but what it documents
    /// (the attachment counts of the policies the new roles use follow in `finish`).
    pub(super) fn apply_drift(&mut self) {
        let at = self.drift_at;
        let [partner_role, github_role] = DRIFT_ROLES;

        // 1. A role an external account can assume without ExternalId.
        let created = plus(at, -3 * DAY + 4_127);
        let partner = self.add_role(RoleSpec {
            name: partner_role.to_owned(),
            path: "/".to_owned(),
            trust: account_trust(
                &format!("arn:aws:iam::{DRIFT_PARTNER_ACCOUNT}:root"),
                None,
                false,
            ),
            created,
            attached: vec![self.fixed.shared_exports_read],
            inline: Vec::new(),
            inline_caps: Caps::NONE,
            boundary: false,
            tags: Vec::new(),
            last_used: Some(iamsnap_import::auth_details::RoleLastUsed {
                last_used_date: Some(plus(at, -5 * 3600 - 733)),
                region: Some("us-east-1".to_owned()),
            }),
            instance_profile: false,
            encodable: false,
            human: false,
            compute: false,
        });
        self.plant(planted::TRUST_NO_EXTERNAL_ID, &partner, String::new());
        self.plant(planted::TRUST_OTHER_ACCOUNT, &partner, String::new());

        // 2. `app-data-read` widened from s3:GetObject to s3:*.
        if let Some(policy) = self.policies.get_mut(self.fixed.app_data_read) {
            for v in &mut policy.policy_version_list {
                v.is_default_version = Some(false);
            }
            policy.policy_version_list.push(PolicyVersion {
                document: doc_of(vec![
                    Stmt::allow()
                        .action(&["s3:*"])
                        .resource(&["arn:aws:s3:::acme-app-data/*"]),
                ]),
                version_id: "v2".to_owned(),
                is_default_version: Some(true),
                create_date: Some(at),
            });
            policy.default_version_id = Some("v2".to_owned());
            policy.update_date = Some(at);
        }

        // 3. A second active key for ci-deployer, created yesterday, never used.
        if let Some(user) = self
            .users
            .iter_mut()
            .find(|u| u.detail.user_name == "ci-deployer")
            && let [_, slot @ None] = &mut user.creds.keys
        {
            *slot = Some(Key {
                active: true,
                created: days_before(at, 1),
                last_used: None,
            });
        }

        // 4. A GitHub Actions role any repository's workflow can assume.
        let github = self.add_role(RoleSpec {
            name: github_role.to_owned(),
            path: "/".to_owned(),
            trust: github_trust(&self.acct, None),
            created: plus(at, -2 * DAY + 9_415),
            attached: vec![self.fixed.ecs_deploy],
            inline: Vec::new(),
            inline_caps: Caps::NONE,
            boundary: false,
            tags: Vec::new(),
            last_used: Some(iamsnap_import::auth_details::RoleLastUsed {
                last_used_date: None,
                region: None,
            }),
            instance_profile: false,
            encodable: false,
            human: false,
            compute: false,
        });
        self.plant(planted::TRUST_OIDC_NO_SUB, &github, String::new());
    }
}
