-- Statements that allow iam:PassRole (also through wildcards such as iam:* or *), on
-- which roles, and who holds them.
select a.principal_type, a.principal_name, s.policy_name, s.resources, s.condition is not null as conditional
from statements s
join attachments a on a.policy_key = s.policy_key
where s.effect = 'Allow'
  and (array_has(s.actions, 'iam:PassRole') or array_has(s.actions, 'iam:*') or array_has(s.actions, '*')
       or array_has(s.actions, 'iam:Pass*'))
order by a.principal_name;
