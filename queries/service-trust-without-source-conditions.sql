-- Roles an AWS service can assume without aws:SourceAccount or aws:SourceArn: AWS
-- recommends them against the confused-deputy problem (for services acting on behalf of
-- other resources, e.g. SNS, S3 events, CloudTrail, Config). Service-linked roles are left
-- out: AWS writes their trust policies.
select role_name, principal as service
from trust
where principal_kind = 'service' and effect = 'Allow'
  and not array_has(condition_keys, 'aws:SourceAccount')
  and not array_has(condition_keys, 'aws:SourceArn')
  and principal not in ('ec2.amazonaws.com', 'lambda.amazonaws.com', 'ecs-tasks.amazonaws.com')
  and role_arn not in (select arn from roles where is_service_linked)
order by principal, role_name;
