-- Roles not used for more than 90 days before the capture, or never used (excluding
-- service-linked roles, which AWS manages).
select name, age_days(create_date) as age_days, last_used_date,
       age_days(last_used_date) as days_since_use
from roles
where not is_service_linked
  and (last_used_date is null or age_days(last_used_date) > 90)
order by days_since_use desc nulls first, name;
