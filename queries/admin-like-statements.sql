-- Allow statements that grant every action on every resource, without a condition,
-- and the principals they reach (directly or through a group).
select a.principal_type, a.principal_name, s.policy_name, s.policy_type, s.statement_index, a.via
from statements s
join attachments a on a.policy_key = s.policy_key
where s.effect = 'Allow' and s.condition is null
  and array_has(s.actions, '*') and array_has(s.resources, '*')
order by a.principal_type, a.principal_name;
