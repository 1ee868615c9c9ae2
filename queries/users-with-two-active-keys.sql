-- Users with both access keys active: usually a rotation left half done.
select user_name, count(*) as active_keys, min(create_date) as oldest_key
from access_keys
where status = 'Active'
group by user_name
having count(*) > 1
order by oldest_key;
