import { Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { suppressNagFindings } from './nag-suppressions';

const SINGLETON_HANDLERS = ['LogRetention', 'Custom::CDKECRDeployment', 'Custom::S3AutoDeleteObjectsCustomResourceProvider', 'BucketNotificationsHandler'];

/**
 * The AwsSolutions findings this construct accepts, each with the reason, attached to the resources concerned.
 * Everything else cdk-nag reports is a bug here.
 */
export function suppressLibraryFindings(cms: Construct): void {
  const child = (id: string): IConstruct => cms.node.findChild(id);
  suppressNagFindings(child('Database'), [{
    id: 'AwsSolutions-RDS10',
    reason: 'Removal policy SNAPSHOT (the default) keeps a final snapshot; deletion protection would stop per-branch stacks from being destroyed.',
  }]);
  suppressNagFindings(child('MediaBucket'), [{
    id: 'AwsSolutions-S1',
    reason: 'Objects are read only through presigned URLs the app issues; server access logs would need a second bucket for little gain. Enable CloudTrail data events where an audit trail is required.',
  }]);
  const secretReasons: Array<[IConstruct, string]> = [
    [child('DjangoSecretKey'), 'Rotating SECRET_KEY signs everyone out and only takes effect on redeploy; rotate by hand when needed.'],
    [child('AdminPassword'), 'Used once, to create the first administrator; the password is then managed in Wagtail itself.'],
    [child('Database').node.findChild('Secret'), 'A rotation Lambda would need a Secrets Manager interface endpoint in the isolated VPC (a fixed monthly cost) and App Runner reads secrets only when an instance starts.'],
  ];
  for (const [secret, reason] of secretReasons) {
    suppressNagFindings(secret, [{ id: 'AwsSolutions-SMG4', reason }]);
  }
  suppressNagFindings(child('AccessRole'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'ecr:GetAuthorizationToken cannot be scoped to a resource; the pull actions are scoped to the one repository.',
    appliesTo: ['Resource::*'],
  }]);
  suppressNagFindings(child('InstanceRole'), [{
    id: 'AwsSolutions-IAM5',
    reason: 'Wagtail stores media under any key of its own bucket, and drops outgoing mail under email/ of the outbox; each grant is scoped to that one bucket and prefix.',
    appliesTo: [{ regex: '/^Resource::<.*MediaBucket.*\\.Arn>\\/\\*$/' }, { regex: '/^Resource::<.*OutboxBucket.*\\.Arn>\\/email\\/\\*$/' }],
  }]);
  for (const handler of Stack.of(cms).node.children.filter((c) => SINGLETON_HANDLERS.some((prefix) => c.node.id.startsWith(prefix)))) {
    suppressNagFindings(handler, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK custom resource handler: AWSLambdaBasicExecutionRole only lets it write its own logs.' },
      { id: 'AwsSolutions-IAM5', reason: 'CDK custom resource handler: the actions it needs (ECR copy, log group retention, bucket notifications) act on resources named only at deploy time.' },
      { id: 'AwsSolutions-L1', reason: 'CDK custom resource handler: its runtime is chosen by the CDK library that owns it.' },
    ]);
  }
}
