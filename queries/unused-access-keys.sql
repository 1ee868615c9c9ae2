-- Active access keys never used, or unused for more than 90 days before the capture.
select user_name, key_slot, age_days(create_date) as age_days,
       last_used_date, age_days(last_used_date) as days_since_use
from access_keys
where status = 'Active'
  and (last_used_date is null or age_days(last_used_date) > 90)
order by days_since_use desc nulls first, age_days desc;
