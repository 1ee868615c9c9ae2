-- Policies attached directly to users rather than through groups or roles.
select principal_name as user_name, policy_type, policy_name, policy_arn
from attachments
where principal_type = 'user' and via = 'direct'
order by user_name, policy_name;
