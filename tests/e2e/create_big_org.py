"""Creates an organization of ACCOUNTS accounts in a local moto_server for the `export
--org` benchmark:

    create_big_org.py ENDPOINT ACCOUNTS ROLES

The caller's account (moto's default) is the management account; ACCOUNTS - 1 member
accounts under two OUs, an SCP on each OU; in every account ROLES roles (a trust policy and
an inline policy each), a user with an access key, and an S3 bucket with a policy.
Prints the member account ids as JSON.
"""
import json
import sys

import boto3

endpoint, accounts, roles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
org = boto3.client("organizations", **kw)
org.create_organization(FeatureSet="ALL")
root = org.list_roots()["Roots"][0]["Id"]
units = [org.create_organizational_unit(ParentId=root, Name=n)["OrganizationalUnit"]["Id"]
         for n in ("Workloads", "Sandbox")]
for i, ou in enumerate(units):
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}
    p = org.create_policy(Name=f"guardrail-{i}", Description="guardrail", Type="SERVICE_CONTROL_POLICY",
                          Content=json.dumps(doc))["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=p, TargetId=ou)

trust = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
inline = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "dynamodb:Query"], "Resource": "*"}]})


def fill(creds, tag):
    session = dict(endpoint_url=endpoint, region_name="us-east-1", **creds)
    iam = boto3.client("iam", **session)
    for r in range(roles):
        name = f"{tag}-svc-{r:04d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=inline)
    iam.create_user(UserName=f"{tag}-bot")
    iam.create_access_key(UserName=f"{tag}-bot")
    s3 = boto3.client("s3", **session)
    bucket = f"{tag}-data"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))


fill(dict(aws_access_key_id="testing", aws_secret_access_key="testing"), "mgmt")
sts = boto3.client("sts", **kw)
members = []
for i in range(accounts - 1):
    aid = org.create_account(Email=f"a{i}@example.com", AccountName=f"account-{i:03d}")[
        "CreateAccountStatus"]["AccountId"]
    org.move_account(AccountId=aid, SourceParentId=root, DestinationParentId=units[i % 2])
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{aid}:role/OrganizationAccountAccessRole",
                        RoleSessionName="setup")["Credentials"]
    fill(dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
              aws_session_token=c["SessionToken"]), f"acct{i:03d}")
    members.append(aid)
print(json.dumps(members))
