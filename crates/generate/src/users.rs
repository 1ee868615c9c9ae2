//! Groups, users and their credentials (what the credential report shows).

use chrono::{DateTime, Utc};
use iamsnap_import::auth_details::{
    GroupDetail, InlinePolicy, PermissionsBoundary, Tag, UserDetail,
};
use serde_json::Value;

use crate::doc::{Stmt, doc_of, url_encoded};
use crate::planted::{self, Access, Caps, Principal, STALE_DAYS};
use crate::policies::Template;
use crate::rng::{DAY, days_before, plus};
use crate::{Account, data};

/// A user with the credentials the report describes.
#[derive(Debug, Clone)]
pub(super) struct UserRec {
    pub(super) detail: UserDetail,
    pub(super) creds: Creds,
}

/// A user's console password and access keys.
#[derive(Debug, Clone, Default)]
pub(super) struct Creds {
    /// `None`: no console password.
    pub(super) password: Option<Password>,
    pub(super) mfa: bool,
    pub(super) keys: [Option<Key>; 2],
}

/// A console password.
#[derive(Debug, Clone)]
pub(super) struct Password {
    /// `None`: `no_information` (never used, or not tracked).
    pub(super) last_used: Option<DateTime<Utc>>,
    pub(super) last_changed: DateTime<Utc>,
}

/// An access key.
#[derive(Debug, Clone)]
pub(super) struct Key {
    pub(super) active: bool,
    pub(super) created: DateTime<Utc>,
    pub(super) last_used: Option<KeyUse>,
}

/// The last use of an access key.
#[derive(Debug, Clone)]
pub(super) struct KeyUse {
    pub(super) at: DateTime<Utc>,
    pub(super) region: &'static str,
    pub(super) service: &'static str,
}

/// What a bot user's access keys look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BotKeys {
    /// One active key, used in the last days.
    Recent,
    /// One active key created more than a year ago, still in use.
    OldActive,
    /// One active key never used.
    NeverUsed,
    /// One active key unused for more than 90 days.
    Stale,
    /// Two active keys, both used.
    TwoActive,
    /// One deactivated key.
    Inactive,
    /// One active key created the day the user was, never used.
    SameDayUnused,
}

const BOT_KEYS: &[(BotKeys, u32)] = &[
    (BotKeys::Recent, 40),
    (BotKeys::OldActive, 20),
    (BotKeys::NeverUsed, 10),
    (BotKeys::Stale, 14),
    (BotKeys::TwoActive, 8),
    (BotKeys::Inactive, 5),
    (BotKeys::SameDayUnused, 3),
];

/// Everything a new user is made of.
struct UserSpec {
    name: String,
    path: &'static str,
    created: DateTime<Utc>,
    groups: Vec<String>,
    attached: Vec<usize>,
    inline: Vec<(String, Value)>,
    /// What the inline policies allow that matters for admin access and escalation.
    inline_caps: Caps,
    boundary: bool,
    tags: Vec<Tag>,
    creds: Creds,
}

fn tag(key: &str, value: &str) -> Tag {
    Tag {
        key: key.to_owned(),
        value: value.to_owned(),
    }
}

/// The groups every account has.
const ADMINS: &str = "admins";
const DEVELOPERS: &str = "developers";
const READONLY: &str = "readonly";
const DEPLOYERS: &str = "deployers";
/// Further groups, in the order accounts grow them.
const EXTRA_GROUPS: &[&str] = &[
    "security-auditors",
    "data-analysts",
    "billing",
    "oncall",
    "support",
    "platform-team",
    "qa",
];

/// The users every account has, before random ones.
const FIXED_USERS: usize = 9;

impl Account {
    fn inline_list(&mut self, inline: Vec<(String, Value)>) -> Vec<InlinePolicy> {
        inline
            .into_iter()
            .map(|(policy_name, doc)| InlinePolicy {
                policy_name,
                policy_document: if self.g.chance(1.0 / 7.0) {
                    url_encoded(&doc)
                } else {
                    doc
                },
            })
            .collect()
    }

    /// Adds a group; `inline_caps` is what its inline policies allow that matters for
    /// admin access and escalation.
    fn add_group(
        &mut self,
        name: &str,
        created: DateTime<Utc>,
        attached: &[usize],
        (inline, inline_caps): (Vec<(String, Value)>, Caps),
    ) -> String {
        let group_name = self.group_names.take(name);
        let caps = self.caps_of(attached).with(inline_caps);
        self.group_caps.push((group_name.clone(), caps));
        let group_id = self.g.id("AGPA");
        let group_policy_list = self.inline_list(inline);
        self.groups.push(GroupDetail {
            path: "/".to_owned(),
            arn: format!("arn:aws:iam::{}:group/{group_name}", self.acct),
            group_name: group_name.clone(),
            group_id,
            create_date: created,
            group_policy_list,
            attached_managed_policies: self.attachments(attached),
        });
        group_name
    }

    /// The four groups every account has, and about one more per 200 roles.
    pub(super) fn add_groups(&mut self) {
        let aws = self.aws;
        let fixed = self.fixed;
        let acct = self.acct.clone();
        let early = days_before(self.born, -200).min(self.at);
        let created = self.g.between(self.born, early);
        let none = || (Vec::new(), Caps::NONE);
        self.add_group(ADMINS, created, &[aws.admin, fixed.require_mfa], none());
        let created = self.g.between(self.born, early);
        self.add_group(
            DEVELOPERS,
            created,
            &[aws.power_user, fixed.require_mfa, fixed.allowed_regions],
            // Passes app roles only: no escalation method targets them.
            (
                vec![(
                    "allow-pass-app-roles".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&["iam:PassRole", "iam:GetRole"])
                            .resource(&[format!("arn:aws:iam::{acct}:role/app/*")]),
                    ]),
                )],
                Caps::NONE,
            ),
        );
        let created = self.g.between(self.born, early);
        self.add_group(
            READONLY,
            created,
            &[aws.read_only, fixed.require_mfa, fixed.office_only],
            none(),
        );
        let created = self.g.between(self.born, early);
        self.add_group(
            DEPLOYERS,
            created,
            &[fixed.ci_deploy],
            // Assumes deploy roles only, not any role.
            (
                vec![(
                    "assume-deploy-roles".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&["sts:AssumeRole"])
                            .resource(&[format!("arn:aws:iam::{acct}:role/*-deploy")]),
                    ]),
                )],
                Caps::NONE,
            ),
        );
        let wanted = 4.max(3 + self.wanted_roles / 200);
        for i in 4..wanted {
            let created = self.g.days_ago(self.at, 30, 5 * 365, self.born);
            let name = match EXTRA_GROUPS.get(i - 4) {
                Some(&name) => {
                    let (attached, inline) = self.extra_group_policies(name);
                    // Their inline policies read, or act on app roles only.
                    self.add_group(name, created, &attached, (inline, Caps::NONE))
                }
                None => {
                    let (e, env) = self.pick_env();
                    let own = self.env_policies.get(e).cloned().unwrap_or_default();
                    let mut attached: Vec<usize> = own.into_iter().take(3).collect();
                    if attached.is_empty() {
                        attached.push(aws.read_only);
                    }
                    let inline = if self.g.chance(0.3) {
                        let (suffix, doc, caps) = self.template_doc(&env, Template::Logs, false);
                        (vec![(format!("{}-{suffix}", env.app), doc)], caps)
                    } else {
                        none()
                    };
                    self.add_group(
                        &format!("{}-developers", env.app),
                        created,
                        &attached,
                        inline,
                    )
                }
            };
            self.extra_groups.push(name);
        }
    }

    fn extra_group_policies(&mut self, name: &str) -> (Vec<usize>, Vec<(String, Value)>) {
        let aws = self.aws;
        let fixed = self.fixed;
        let acct = self.acct.clone();
        match name {
            "security-auditors" => (vec![aws.security_audit, fixed.require_mfa], Vec::new()),
            "data-analysts" => (
                vec![aws.s3_read_only],
                vec![(
                    "athena-queries".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&[
                                "athena:StartQueryExecution",
                                "athena:GetQueryExecution",
                                "athena:GetQueryResults",
                                "glue:GetTable",
                                "glue:GetDatabase",
                            ])
                            .resource(&["*"]),
                    ]),
                )],
            ),
            "billing" => (vec![fixed.billing_read], Vec::new()),
            "oncall" => (
                vec![aws.read_only],
                vec![(
                    "restart-services".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&["ecs:UpdateService", "ecs:StopTask", "ec2:RebootInstances"])
                            .resource(&["*"])
                            .condition(
                                "StringEquals",
                                "aws:RequestedRegion",
                                &["us-east-1", "eu-west-1"],
                            ),
                    ]),
                )],
            ),
            "platform-team" => (
                vec![aws.power_user, fixed.iam_full],
                vec![(
                    "manage-app-roles".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&[
                                "iam:CreateRole",
                                "iam:AttachRolePolicy",
                                "iam:PutRolePermissionsBoundary",
                            ])
                            .resource(&[format!("arn:aws:iam::{acct}:role/app/*")])
                            .condition(
                                "StringEquals",
                                "iam:PermissionsBoundary",
                                &[format!("arn:aws:iam::{acct}:policy/developer-boundary")],
                            ),
                    ]),
                )],
            ),
            "support" => (vec![aws.read_only], Vec::new()),
            _ => {
                let mut attached = Vec::new();
                let i = self.g.below(self.app_policies.len());
                attached.extend(self.app_policies.get(i).copied());
                attached.push(aws.read_only);
                (attached, Vec::new())
            }
        }
    }

    /// Adds a user, and records it when it is a non-human identity (no console password, or
    /// under `/service/`) that its policies and groups let escalate.
    fn add_user(&mut self, spec: UserSpec) {
        let mut caps = self.caps_of(&spec.attached).with(spec.inline_caps);
        for group in &spec.groups {
            if let Some((_, c)) = self.group_caps.iter().find(|(name, _)| name == group) {
                caps = caps.with(*c);
            }
        }
        let nhi = spec.path == "/service/" || spec.creds.password.is_none();
        let methods = match planted::assess(caps, Principal::User, spec.boundary) {
            Access::Limited(methods) if nhi && !methods.is_empty() => Some(methods),
            Access::Admin | Access::Limited(_) => None,
        };
        let user_id = self.g.id("AIDA");
        let user_policy_list = self.inline_list(spec.inline);
        let permissions_boundary = spec.boundary.then(|| PermissionsBoundary {
            permissions_boundary_type: Some("Policy".to_owned()),
            permissions_boundary_arn: self
                .policies
                .get(self.fixed.boundary)
                .map(|p| p.arn.clone())
                .unwrap_or_default(),
        });
        let detail = UserDetail {
            path: spec.path.to_owned(),
            arn: format!("arn:aws:iam::{}:user{}{}", self.acct, spec.path, spec.name),
            user_name: spec.name,
            user_id,
            create_date: spec.created,
            user_policy_list,
            group_list: spec.groups,
            attached_managed_policies: self.attachments(&spec.attached),
            permissions_boundary,
            tags: spec.tags,
        };
        if let Some(methods) = methods {
            let detail_text = methods.into_iter().collect::<Vec<_>>().join(", ");
            self.plant(planted::ESCALATION, &detail.arn, detail_text);
        }
        self.users.push(UserRec {
            detail,
            creds: spec.creds,
        });
    }

    /// Records the key and password problems of every user, from the dates and flags the
    /// generator chose: active keys older than [`STALE_DAYS`], active keys unused that long
    /// (or never used and that old), two active keys, a password without MFA. A key is
    /// named by its slot in the credential report, `key 1` or `key 2` (the report has no
    /// key ids).
    pub(super) fn plant_credential_problems(&mut self) {
        let at = self.at;
        // Whole days from `t` to `at` above the limit.
        let stale = |t: DateTime<Utc>| (at - t).num_seconds().div_euclid(DAY) > STALE_DAYS;
        let mut found: Vec<(&'static str, String, String)> = Vec::new();
        for u in &self.users {
            let arn = &u.detail.arn;
            let mut active = 0;
            for (slot, key) in u.creds.keys.iter().enumerate() {
                let Some(key) = key.as_ref().filter(|k| k.active) else {
                    continue;
                };
                active += 1;
                let key_ref = format!("key {}", slot + 1);
                if stale(key.created) {
                    found.push((planted::KEY_OLD, arn.clone(), key_ref.clone()));
                }
                let unused = match &key.last_used {
                    Some(used) => stale(used.at),
                    None => stale(key.created),
                };
                if unused {
                    found.push((planted::KEY_UNUSED, arn.clone(), key_ref));
                }
            }
            if active >= 2 {
                found.push((planted::KEY_TWO_ACTIVE, arn.clone(), String::new()));
            }
            if u.creds.password.is_some() && !u.creds.mfa {
                found.push((planted::PASSWORD_WITHOUT_MFA, arn.clone(), String::new()));
            }
        }
        for (rule, arn, detail) in found {
            self.plant(rule, &arn, detail);
        }
    }

    fn key_use(&mut self, lo: DateTime<Utc>, hi: DateTime<Utc>) -> KeyUse {
        let region = self.g.weighted(data::REGIONS).unwrap_or("us-east-1");
        KeyUse {
            at: self.g.between(lo, hi.max(lo)).min(self.at),
            region,
            service: self.g.word(data::KEY_SERVICES),
        }
    }

    /// A key created at `created`, used within the last 3 days.
    fn recent_key(&mut self, created: DateTime<Utc>) -> Key {
        let lo = days_before(self.at, 3).max(created);
        Key {
            active: true,
            created,
            last_used: Some(self.key_use(lo, self.at)),
        }
    }

    /// The keys of a bot created at `created`.
    fn bot_keys(&mut self, created: DateTime<Utc>, scenario: BotKeys) -> [Option<Key>; 2] {
        let at = self.at;
        match scenario {
            BotKeys::Recent => {
                let k = self.g.days_ago(at, 7, 365, created);
                [Some(self.recent_key(k)), None]
            }
            BotKeys::OldActive => {
                let k = self.g.days_ago(at, 400, 1500, created);
                let key = if k <= days_before(at, 366) && self.g.chance(0.3) {
                    let used = self.g.days_ago(at, 30, 200, k);
                    let last_used = Some(self.key_use(used, used));
                    Key {
                        active: true,
                        created: k,
                        last_used,
                    }
                } else {
                    self.recent_key(k)
                };
                [Some(key), None]
            }
            BotKeys::NeverUsed => {
                let k = self.g.days_ago(at, 2, 200, created);
                [
                    Some(Key {
                        active: true,
                        created: k,
                        last_used: None,
                    }),
                    None,
                ]
            }
            BotKeys::Stale => {
                let k = self.g.days_ago(at, 120, 900, created);
                let until = days_before(at, 91).max(k);
                let used = self.g.days_ago(at, 95, 700, k).min(until);
                let last_used = Some(self.key_use(used, used));
                [
                    Some(Key {
                        active: true,
                        created: k,
                        last_used,
                    }),
                    None,
                ]
            }
            BotKeys::TwoActive => {
                let k1 = self.g.days_ago(at, 60, 700, created);
                let k2 = self.g.days_ago(at, 3, 60, k1);
                [Some(self.recent_key(k1)), Some(self.recent_key(k2))]
            }
            BotKeys::Inactive => {
                let k = self.g.days_ago(at, 200, 1200, created);
                let used = self.g.days_ago(at, 150, 1000, k);
                let last_used = Some(self.key_use(used, used));
                [
                    Some(Key {
                        active: false,
                        created: k,
                        last_used,
                    }),
                    None,
                ]
            }
            BotKeys::SameDayUnused => {
                let mut k = plus(created, self.g.range_i64(60, 4 * 3600)).min(at);
                if k.date_naive() != created.date_naive() {
                    k = created;
                }
                [
                    Some(Key {
                        active: true,
                        created: k,
                        last_used: None,
                    }),
                    None,
                ]
            }
        }
    }

    /// A person's console password.
    fn password(&mut self, created: DateTime<Utc>, never_used: bool) -> Password {
        let last_changed = self.g.between(created, self.at);
        let last_used = if never_used {
            None
        } else if self.g.chance(0.72) {
            Some(self.g.days_ago(self.at, 0, 30, last_changed))
        } else {
            Some(self.g.days_ago(self.at, 31, 500, last_changed))
        };
        Password {
            last_used,
            last_changed,
        }
    }

    fn bot_creds(&mut self, created: DateTime<Utc>, scenario: BotKeys) -> Creds {
        Creds {
            password: None,
            mfa: false,
            keys: self.bot_keys(created, scenario),
        }
    }

    fn fixed_bot(
        &mut self,
        name: &str,
        path: &'static str,
        age_days: (i64, i64),
        scenario: BotKeys,
        (attached, inline): (Vec<usize>, Vec<(String, Value)>),
        groups: Vec<String>,
    ) {
        let created = self.g.days_ago(self.at, age_days.0, age_days.1, self.born);
        let creds = self.bot_creds(created, scenario);
        let name = self.user_names.take(name);
        self.add_user(UserSpec {
            name,
            path,
            created,
            groups,
            attached,
            // Writes to one bucket, or puts metrics of one namespace.
            inline,
            inline_caps: Caps::NONE,
            boundary: false,
            tags: vec![tag("owner", "platform"), tag("purpose", "automation")],
            creds,
        });
    }

    /// The users every account has, then random bots and people up to about one user per
    /// ten roles.
    pub(super) fn add_users(&mut self) {
        let at = self.at;
        let fixed = self.fixed;
        let aws = self.aws;
        // ci-deployer: exactly one active key, in daily use.
        let created = self.g.days_ago(at, 200, 1500, self.born);
        let k = self.g.days_ago(at, 30, 180, created);
        let key = self.recent_key(k);
        let name = self.user_names.take("ci-deployer");
        self.add_user(UserSpec {
            name,
            path: "/service/",
            created,
            groups: vec![DEPLOYERS.to_owned()],
            attached: vec![fixed.ci_deploy],
            inline: Vec::new(),
            inline_caps: Caps::NONE,
            boundary: false,
            tags: vec![tag("owner", "platform"), tag("purpose", "ci")],
            creds: Creds {
                password: None,
                mfa: false,
                keys: [Some(key), None],
            },
        });
        let bucket_write = doc_of(vec![
            Stmt::allow()
                .action(&["s3:PutObject", "s3:AbortMultipartUpload"])
                .resource(&["arn:aws:s3:::acme-backups/*"]),
        ]);
        self.fixed_bot(
            "backup-bot",
            "/service/",
            (800, 2000),
            BotKeys::OldActive,
            (
                Vec::new(),
                vec![("backup-bucket-write".to_owned(), bucket_write)],
            ),
            Vec::new(),
        );
        self.fixed_bot(
            "svc-reporting",
            "/service/",
            (300, 1200),
            BotKeys::NeverUsed,
            (
                vec![fixed.app_data_read, fixed.shared_exports_read],
                Vec::new(),
            ),
            Vec::new(),
        );
        self.fixed_bot(
            "svc-legacy-sync",
            "/",
            (900, 2500),
            BotKeys::Stale,
            (vec![aws.s3_read_only], Vec::new()),
            Vec::new(),
        );
        self.fixed_bot(
            "terraform-bot",
            "/service/",
            (400, 1500),
            BotKeys::TwoActive,
            (vec![fixed.break_glass], Vec::new()),
            vec![DEPLOYERS.to_owned()],
        );
        self.fixed_bot(
            "svc-metrics-export",
            "/service/",
            (20, 300),
            BotKeys::SameDayUnused,
            (
                Vec::new(),
                vec![(
                    "put-metrics".to_owned(),
                    doc_of(vec![
                        Stmt::allow()
                            .action(&["cloudwatch:PutMetricData"])
                            .resource(&["*"])
                            .condition("StringEquals", "cloudwatch:namespace", &["Acme/Exports"]),
                    ]),
                )],
            ),
            Vec::new(),
        );
        // People: with MFA, without, and one who never signed in.
        let created = self.g.days_ago(at, 700, 2500, self.born);
        let password = self.password(created, false);
        self.add_person(
            "alice",
            created,
            vec![ADMINS.to_owned()],
            password,
            true,
            [None, None],
        );
        let created = self.g.days_ago(at, 500, 2000, self.born);
        let password = self.password(created, false);
        let k = self.g.days_ago(at, 400, 900, created);
        let key = self.recent_key(k);
        self.add_person(
            "bob",
            created,
            vec![DEVELOPERS.to_owned()],
            password,
            false,
            [Some(key), None],
        );
        let created = self.g.days_ago(at, 10, 200, self.born);
        let password = self.password(created, true);
        self.add_person(
            "carol",
            created,
            vec![READONLY.to_owned()],
            password,
            false,
            [None, None],
        );

        let wanted = FIXED_USERS.max(self.wanted_roles / 10);
        for _ in FIXED_USERS..wanted {
            if self.g.chance(0.35) {
                self.random_bot();
            } else {
                self.random_person();
            }
        }
    }

    fn add_person(
        &mut self,
        name: &str,
        created: DateTime<Utc>,
        groups: Vec<String>,
        password: Password,
        mfa: bool,
        keys: [Option<Key>; 2],
    ) {
        let name = self.user_names.take(name);
        self.add_user(UserSpec {
            name,
            path: "/",
            created,
            groups,
            attached: Vec::new(),
            inline: Vec::new(),
            inline_caps: Caps::NONE,
            boundary: false,
            tags: Vec::new(),
            creds: Creds {
                password: Some(password),
                mfa,
                keys,
            },
        });
    }

    fn random_bot(&mut self) {
        let (e, env) = self.pick_env();
        let purpose = self.g.word(data::BOT_PURPOSES);
        let base = if self.g.chance(0.6) {
            format!("svc-{}-{purpose}", env.app)
        } else {
            format!("{}-{purpose}-bot", env.app)
        };
        let name = self.user_names.take(&base);
        let path = if self.g.chance(0.5) { "/service/" } else { "/" };
        let created = self
            .g
            .days_ago(self.at, 30, 6 * 365, self.born.max(env.created));
        let scenario = self.g.weighted(BOT_KEYS).unwrap_or(BotKeys::Recent);
        let creds = self.bot_creds(created, scenario);
        let mut attached = Vec::new();
        if self.g.chance(0.6) {
            let own = self.env_policies.get(e).cloned().unwrap_or_default();
            attached.extend(self.g.pick(&own));
        }
        if self.g.chance(0.05) {
            let risky = self.fixed.risky();
            attached.extend(self.g.pick(&risky));
        }
        let inline = if self.g.chance(0.25) {
            let template = self
                .g
                .pick(&[
                    Template::S3Write,
                    Template::SqsConsume,
                    Template::SnsPublish,
                    Template::Secrets,
                ])
                .unwrap_or(Template::S3Write);
            let (suffix, doc, caps) = self.template_doc(&env, template, false);
            (vec![(format!("{}-{suffix}", env.stem()), doc)], caps)
        } else {
            (Vec::new(), Caps::NONE)
        };
        let groups = if self.g.chance(0.1) {
            vec![DEPLOYERS.to_owned()]
        } else {
            Vec::new()
        };
        let tags = if self.g.chance(0.5) {
            vec![tag("owner", env.team), tag("purpose", purpose)]
        } else {
            Vec::new()
        };
        let boundary = self.g.chance(0.05);
        self.add_user(UserSpec {
            name,
            path,
            created,
            groups,
            attached,
            inline: inline.0,
            inline_caps: inline.1,
            boundary,
            tags,
            creds,
        });
    }

    fn random_person(&mut self) {
        let first = self.g.word(data::FIRST_NAMES);
        let last = self.g.word(data::LAST_NAMES);
        let base = if self.g.chance(0.8) {
            format!("{first}.{last}")
        } else {
            first.to_owned()
        };
        let name = self.user_names.take(&base);
        let created = self.g.days_ago(self.at, 7, 6 * 365, self.born);
        let password = if self.g.chance(0.93) {
            let never = self.g.chance(0.04);
            Some(self.password(created, never))
        } else {
            None
        };
        let mfa = password.is_some() && self.g.chance(0.7);
        let keys = match self.g.below(100) {
            0..22 => {
                let k = self.g.days_ago(self.at, 1, 900, created);
                if self.g.chance(0.8) {
                    [Some(self.recent_key(k)), None]
                } else {
                    [
                        Some(Key {
                            active: self.g.chance(0.5),
                            created: k,
                            last_used: None,
                        }),
                        None,
                    ]
                }
            }
            22..30 => {
                let k = self.g.days_ago(self.at, 200, 1500, created);
                let used = self.g.days_ago(self.at, 100, 800, k);
                let last_used = Some(self.key_use(used, used));
                [
                    Some(Key {
                        active: self.g.chance(0.6),
                        created: k,
                        last_used,
                    }),
                    None,
                ]
            }
            30..33 => {
                let k1 = self.g.days_ago(self.at, 100, 900, created);
                let k2 = self.g.days_ago(self.at, 1, 100, k1);
                [Some(self.recent_key(k1)), Some(self.recent_key(k2))]
            }
            _ => [None, None],
        };
        let mut groups = Vec::new();
        match self.g.below(100) {
            0..60 => groups.push(DEVELOPERS.to_owned()),
            60..85 => groups.push(READONLY.to_owned()),
            85..93 => groups.push(ADMINS.to_owned()),
            _ => {}
        }
        if !self.extra_groups.is_empty() && self.g.chance(0.3) {
            let i = self.g.below(self.extra_groups.len());
            groups.extend(self.extra_groups.get(i).cloned());
        }
        let mut attached = Vec::new();
        if self.g.chance(0.1) {
            attached.push(self.aws.change_password);
            if self.g.chance(0.5) {
                let i = self.g.below(self.app_policies.len());
                attached.extend(self.app_policies.get(i).copied());
            }
        }
        let inline = if self.g.chance(0.08) {
            let acct = self.acct.clone();
            vec![(
                "assume-prod-readonly".to_owned(),
                doc_of(vec![
                    Stmt::allow()
                        .action(&["sts:AssumeRole"])
                        .resource(&[format!("arn:aws:iam::{acct}:role/*-readonly")]),
                ]),
            )]
        } else {
            Vec::new()
        };
        let tags = if self.g.chance(0.3) {
            let team = self.g.word(data::TEAMS);
            vec![tag("team", team)]
        } else {
            Vec::new()
        };
        self.add_user(UserSpec {
            name,
            path: "/",
            created,
            groups,
            attached,
            // Assumes `*-readonly` roles only.
            inline,
            inline_caps: Caps::NONE,
            boundary: false,
            tags,
            creds: Creds {
                password,
                mfa,
                keys,
            },
        });
    }
}
