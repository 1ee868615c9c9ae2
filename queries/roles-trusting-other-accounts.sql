-- Roles that principals of other accounts can assume, with the account, whether the trust
-- requires an external id, and which conditions guard it.
select role_name, principal_account, principal_kind, principal,
       array_has(condition_keys, 'sts:ExternalId') as requires_external_id,
       condition_keys
from trust
where is_cross_account and effect = 'Allow' and not is_not_principal
order by principal_account, role_name;
