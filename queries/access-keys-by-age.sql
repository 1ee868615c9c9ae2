-- Access keys by age at capture time, oldest first, with when each was last used.
select user_name, key_slot, status, age_days(create_date) as age_days,
       last_used_date, last_used_service, last_used_region
from access_keys
order by age_days desc nulls last;
