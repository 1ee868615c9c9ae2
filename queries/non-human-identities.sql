-- Non-human identities by kind, with how iamsnap classified them.
select principal_type, nhi_reason, count(*) as identities
from principals
where is_nhi
group by principal_type, nhi_reason
order by identities desc;
