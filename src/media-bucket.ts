import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CONTRACT } from './contract';
import { suppressNagFindings } from './nag-suppressions';

/**
 * Private, encrypted, versioned bucket for Wagtail's images and documents, read through presigned URLs; its transfer
 * prefix holds what the operator CLI imports and exports, for a day.
 */
export function createMediaBucket(scope: Construct, removalPolicy: RemovalPolicy, allowedOrigins: string[]): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'MediaBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    lifecycleRules: [
      { noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      // Content on its way in or out (the operator CLI's import and export): a dump is as secret as the database.
      {
        prefix: CONTRACT.transferPrefix,
        expiration: Duration.days(CONTRACT.transferDays),
        noncurrentVersionExpiration: Duration.days(CONTRACT.transferDays),
      },
    ],
    // Pages load media through <img> and links, which need no CORS; these origins may also read them from scripts.
    cors: allowedOrigins.length ? [{ allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD], allowedOrigins, maxAge: 3000 }] : undefined,
    removalPolicy,
    autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
  });
  suppressNagFindings(bucket.node.defaultChild!, [{
    id: 'AwsSolutions-S1',
    reason: 'Objects are read only through presigned URLs the app issues; server access logs would need a second bucket for little gain. Enable CloudTrail data events where an audit trail is required.',
  }]);
  return bucket;
}

/** The running app reads and writes its media bucket's objects and lists it; nothing more. */
export function grantMediaAccess(bucket: s3.IBucket, role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    resources: [bucket.arnForObjects('*')],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  suppressNagFindings(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'Wagtail stores media under any key of its own bucket; the object actions are scoped to that one bucket.',
    appliesTo: [{ regex: '/^Resource::<.*MediaBucket.*\\.Arn>\\/\\*$/' }],
  }]);
}
