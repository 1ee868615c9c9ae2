-- Users who can sign in to the console with a password but have no MFA device.
select "user", password_last_used, password_last_used_note, password_last_changed
from credential_report
where password_enabled and not mfa_active
order by "user";
