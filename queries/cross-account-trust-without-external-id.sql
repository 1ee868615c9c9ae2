-- Cross-account trust without an sts:ExternalId condition: open to the confused-deputy
-- problem when the other account is a vendor acting for several customers.
select role_name, principal_account, principal
from trust
where is_cross_account and effect = 'Allow' and not is_not_principal
  and not array_has(condition_keys, 'sts:ExternalId')
order by role_name;
