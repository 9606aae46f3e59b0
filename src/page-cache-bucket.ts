import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CONTRACT } from './contract';
import { suppressNagFindings } from './nag-suppressions';

/** Days a rendered page is kept; an expired one is rendered again (one database visit) on its next view. */
export const PAGE_CACHE_DAYS = 7;

/**
 * The app's page cache shared by every instance and Lambda environment: a rendered anonymous page is read from here
 * without the database. Nothing in it is lost data (a deleted page is rendered again), so it is destroyed with the
 * stack, unversioned, and its objects expire.
 */
export function createPageCacheBucket(scope: Construct): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'PageCacheBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    lifecycleRules: [{ prefix: CONTRACT.pageCachePrefix, expiration: Duration.days(PAGE_CACHE_DAYS) }],
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });
  suppressNagFindings(bucket.node.defaultChild!, [{
    id: 'AwsSolutions-S1',
    reason: 'Copies of rendered public pages, rebuilt on demand; server access logs would need a second bucket and cost per request.',
  }]);
  return bucket;
}

/** The app reads, writes and deletes cached pages, and lists the bucket (so a missing page is a 404, not a 403). */
export function grantPageCacheAccess(bucket: s3.IBucket, role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    resources: [bucket.arnForObjects(`${CONTRACT.pageCachePrefix}*`)],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  suppressNagFindings(role, [{
    id: 'AwsSolutions-IAM5',
    reason: 'The app names each cached page by its URL under the page-cache/ prefix of its own cache bucket.',
    appliesTo: [{ regex: '/^Resource::<.*PageCacheBucket.*\\.Arn>\\/page-cache\\/\\*$/' }],
  }]);
}
