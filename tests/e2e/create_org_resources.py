"""Creates resources with resource-based policies in accounts of a local moto_server, for the
test that compares `scripts/capture-org` + `iamsnap import --aws-cli` with `iamsnap export`.

    create_org_resources.py ENDPOINT ACCOUNT_ID...   -> prints JSON: per account, the
                                                       credentials that read it

Each account (the caller's, 123456789012, directly; the others through
OrganizationAccountAccessRole, as the capture reads them) gets: a bucket with a policy and
tags, a bucket in eu-west-1 with Block Public Access and ownership controls, a plain bucket;
the account's Block Public Access; a KMS key with a policy, a grant and a tag; an SQS queue
with a policy (and one in eu-west-1 without); an SNS topic, a secret named with a `/`, a
Lambda function and an ECR repository named with a `/`, each with its policy.
"""
import io
import json
import sys
import urllib.request
import zipfile

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from xml.sax.saxutils import escape

endpoint = sys.argv[1]
accounts = sys.argv[2:]
MANAGEMENT = "123456789012"


def doc(statement):
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def creds_for(aid):
    if aid == MANAGEMENT:
        return {"AccessKeyId": "testing", "SecretAccessKey": "testing", "SessionToken": None}
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{aid}:role/OrganizationAccountAccessRole",
                        RoleSessionName="resources")["Credentials"]
    return {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
            "SessionToken": c["SessionToken"]}


def create(aid, c):
    def client(service, region="us-east-1"):
        return boto3.client(service, endpoint_url=endpoint, region_name=region,
                            aws_access_key_id=c["AccessKeyId"],
                            aws_secret_access_key=c["SecretAccessKey"],
                            aws_session_token=c["SessionToken"])

    s3 = client("s3")
    public = f"acme-{aid}-public"
    s3.create_bucket(Bucket=public)
    s3.put_bucket_policy(Bucket=public, Policy=doc({
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{public}/*"}))
    s3.put_bucket_tagging(Bucket=public, Tagging={"TagSet": [
        {"Key": "team", "Value": "data"}, {"Key": "account", "Value": aid}]})
    locked = f"acme-{aid}-locked"
    s3.create_bucket(Bucket=locked, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_public_access_block(Bucket=locked, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": False})
    s3.put_bucket_ownership_controls(Bucket=locked, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.create_bucket(Bucket=f"acme-{aid}-plain")
    # The account's Block Public Access through S3 Control's REST API (boto3 would put the
    # account id in front of the endpoint's host name, which a loopback address cannot take).
    bpa = ('<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">'
           '<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls>'
           '<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets>'
           '</PublicAccessBlockConfiguration>')
    headers = {"x-amz-account-id": aid, "Content-Type": "application/xml"}
    if c["SessionToken"]:
        headers["X-Amz-Security-Token"] = c["SessionToken"]
    req = AWSRequest(method="PUT", url=endpoint + "/v20180820/configuration/publicAccessBlock",
                     data=bpa, headers=headers)
    SigV4Auth(Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]), "s3",
              "us-east-1").add_auth(req)
    urllib.request.urlopen(urllib.request.Request(req.url, data=bpa.encode(),
                           headers=dict(req.headers.items()), method="PUT")).read()

    def s3control(path, body):
        req = AWSRequest(method="PUT", url=endpoint + path, data=body, headers=headers)
        SigV4Auth(Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]), "s3",
                  "us-east-1").add_auth(req)
        urllib.request.urlopen(urllib.request.Request(req.url, data=body.encode(),
                               headers=dict(req.headers.items()), method="PUT")).read()

    ns = 'xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"'
    s3control("/v20180820/accesspoint/acme-ap",
              f"<CreateAccessPointRequest {ns}><Bucket>{public}</Bucket></CreateAccessPointRequest>")
    s3control("/v20180820/accesspoint/acme-ap/policy",
              f"<PutAccessPointPolicyRequest {ns}><Policy>" + escape(doc({
                  "Sid": "Team", "Effect": "Allow",
                  "Principal": {"AWS": f"arn:aws:iam::{aid}:role/app"}, "Action": "s3:GetObject",
                  "Resource": f"arn:aws:s3:us-east-1:{aid}:accesspoint/acme-ap/object/*"}))
              + "</Policy></PutAccessPointPolicyRequest>")

    kms = client("kms")
    key = kms.create_key(Description="data key", Policy=doc({
        "Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{aid}:root"},
        "Action": "kms:*", "Resource": "*"}), Tags=[{"TagKey": "team", "TagValue": "data"}])["KeyMetadata"]
    kms.create_grant(KeyId=key["KeyId"], Name="app-decrypt",
                     GranteePrincipal=f"arn:aws:iam::{aid}:role/app",
                     Operations=["Decrypt"],
                     Constraints={"EncryptionContextSubset": {"app": "billing"}})
    sqs = client("sqs")
    sqs.create_queue(QueueName="jobs", Attributes={"Policy": doc({
        "Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:us-east-1:{aid}:jobs"})})
    client("sqs", "eu-west-1").create_queue(QueueName="quiet")
    sns = client("sns")
    topic = sns.create_topic(Name="events")["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=doc({
        "Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "sns:Publish",
        "Resource": topic}))
    sm = client("secretsmanager")
    secret = sm.create_secret(Name="app/db", SecretString="hunter2")["ARN"]
    sm.put_resource_policy(SecretId=secret, ResourcePolicy=doc({
        "Sid": "App", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{aid}:role/app"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
    ecr = client("ecr")
    ecr.create_repository(repositoryName="team/app")
    ecr.set_repository_policy(repositoryName="team/app", policyText=doc({
        "Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}))
    role = client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=doc({
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    lam = client("lambda")
    lam.create_function(FunctionName="fn", Runtime="python3.12", Role=role,
                        Handler="index.handler", Code={"ZipFile": buf.getvalue()})
    lam.add_permission(FunctionName="fn", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{public}",
                       SourceAccount=aid)

    events = client("events")
    events.create_event_bus(Name="acme-bus")
    events.put_permission(EventBusName="acme-bus", Policy=doc({
        "Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Action": "events:PutEvents", "Resource": f"arn:aws:events:us-east-1:{aid}:event-bus/acme-bus"}))
    ddb = client("dynamodb")
    key = dict(AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
               KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    table = ddb.create_table(TableName="acme-orders", **key)["TableDescription"]["TableArn"]
    ddb.put_resource_policy(ResourceArn=table, Policy=doc({
        "Sid": "Reader", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
        "Action": "dynamodb:GetItem", "Resource": table}))
    ddb.create_table(TableName="acme-plain", **key)
    client("backup").create_backup_vault(BackupVaultName="acme-vault")
    efs = client("efs")
    fs = efs.create_file_system(CreationToken="acme-fs")["FileSystemId"]
    efs.put_file_system_policy(FileSystemId=fs, Policy=doc({
        "Sid": "Mount", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "elasticfilesystem:ClientMount", "Resource": "*"}))
    client("logs").put_resource_policy(policyName="acme-route53", policyDocument=doc({
        "Sid": "Route53", "Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"arn:aws:logs:us-east-1:{aid}:log-group:/aws/route53/*"}))
    layer_zip = io.BytesIO()
    with zipfile.ZipFile(layer_zip, "w") as z:
        z.writestr("python/acme.py", "X = 1\n")
    layer = lam.publish_layer_version(LayerName="acme-layer",
                                      Content={"ZipFile": layer_zip.getvalue()})
    lam.add_layer_version_permission(LayerName="acme-layer", VersionNumber=layer["Version"],
                                     StatementId="everyone", Action="lambda:GetLayerVersion",
                                     Principal="*")
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3",
                            VpcEndpointType="Gateway", PolicyDocument=doc({
                                "Sid": "OneBucket", "Effect": "Allow", "Principal": "*",
                                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{public}/*"}))
    client("ram").create_resource_share(
        name="acme-share", allowExternalPrincipals=True,
        resourceArns=[f"arn:aws:ec2:us-east-1:{aid}:subnet/{subnet}"], principals=["999988887777"])


out = {}
for aid in accounts:
    c = creds_for(aid)
    create(aid, c)
    out[aid] = c
print(json.dumps(out))
