-- Trust policies that let anyone assume the role (Principal "*"), with the conditions
-- that are all that stands in the way.
select role_name, principal_type, principal, condition
from trust
where principal_kind = 'anyone' and effect = 'Allow' and not is_not_principal
order by role_name;
