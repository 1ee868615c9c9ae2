-- Roles federated through OIDC (GitHub Actions, EKS, ...), the provider, and the subject
-- and audience conditions that limit which workloads may assume them (null: no limit).
select role_name, provider,
       regexp_match(condition, '"[^"]*:sub":(\[[^\]]*\]|"[^"]*")')[1] as subject_condition,
       regexp_match(condition, '"[^"]*:aud":(\[[^\]]*\]|"[^"]*")')[1] as audience_condition
from trust
where principal_kind in ('oidc', 'web_identity') and effect = 'Allow'
order by provider, role_name;
