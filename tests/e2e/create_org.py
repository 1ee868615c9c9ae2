"""Creates an organization in a local moto_server for the organization capture tests.

    create_org.py ENDPOINT   -> prints JSON: what was created, for the test to compare

The caller's account (moto's default, 123456789012) becomes the management account.
Tree: Root -> Workloads -> Prod (two accounts: payments, orders), Root -> Sandbox (one
account). An SCP denying organizations:LeaveOrganization is attached to the root, one
denying s3:DeleteBucket to Prod, one to an account directly; one is attached nowhere.
Each member account gets an IAM role (through sts:AssumeRole into it, as the capture
does), the management account a user.
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="testing", aws_secret_access_key="testing")
org = boto3.client("organizations", **kw)
o = org.create_organization(FeatureSet="ALL")["Organization"]
root = org.list_roots()["Roots"][0]
try:
    org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
except org.exceptions.PolicyTypeAlreadyEnabledException:
    pass
workloads = org.create_organizational_unit(ParentId=root["Id"], Name="Workloads")["OrganizationalUnit"]
prod = org.create_organizational_unit(ParentId=workloads["Id"], Name="Prod")["OrganizationalUnit"]
sandbox = org.create_organizational_unit(ParentId=root["Id"], Name="Sandbox")["OrganizationalUnit"]


def account(name, parent):
    status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    aid = status["AccountId"]
    org.move_account(AccountId=aid, SourceParentId=root["Id"], DestinationParentId=parent["Id"])
    return aid


payments = account("payments", prod)
orders = account("orders", prod)
play = account("play", sandbox)
org.tag_resource(ResourceId=payments, Tags=[{"Key": "env", "Value": "prod"},
                                            {"Key": "team", "Value": "payments"}])


def scp(name, statement):
    doc = {"Version": "2012-10-17", "Statement": [statement]}
    return org.create_policy(Name=name, Description=f"{name} guardrail", Type="SERVICE_CONTROL_POLICY",
                             Content=json.dumps(doc))["Policy"]["PolicySummary"]["Id"]


deny_leave = scp("deny-leave", {"Effect": "Deny", "Action": "organizations:LeaveOrganization",
                                "Resource": "*"})
deny_delete = scp("deny-bucket-delete", {"Effect": "Deny", "Action": "s3:DeleteBucket",
                                         "Resource": "*"})
deny_regions = scp("deny-other-regions", {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
                                          "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}})
unattached = scp("unattached", {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"})
org.attach_policy(PolicyId=deny_leave, TargetId=root["Id"])
org.attach_policy(PolicyId=deny_delete, TargetId=prod["Id"])
org.attach_policy(PolicyId=deny_regions, TargetId=payments)

iam = boto3.client("iam", **kw)
iam.create_user(UserName="org-admin")
trust = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
sts = boto3.client("sts", **kw)
for aid, role in [(payments, "payments-lambda"), (orders, "orders-lambda"), (play, "play-lambda")]:
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{aid}:role/OrganizationAccountAccessRole",
                        RoleSessionName="setup")["Credentials"]
    member = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                          aws_session_token=c["SessionToken"])
    member.create_role(RoleName=role, AssumeRolePolicyDocument=trust)

print(json.dumps({
    "organization_id": o["Id"], "management": o["MasterAccountId"], "root": root["Id"],
    "workloads": workloads["Id"], "prod": prod["Id"], "sandbox": sandbox["Id"],
    "payments": payments, "orders": orders, "play": play,
    "deny_leave": deny_leave, "deny_delete": deny_delete, "deny_regions": deny_regions,
    "unattached": unattached,
}))
