import { Stack } from 'aws-cdk-lib';
import { suppressNagFindings } from './nag-suppressions';

/**
 * Ids of the stack-level singleton handlers that aws-cdk-lib and cdk-ecr-deployment create for this construct's
 * resources (log retention, image copy, bucket auto-delete and notifications). They are the only resources the
 * construct does not create itself, so their accepted findings cannot sit beside their creation.
 */
export const LIBRARY_HANDLER_IDS = ['LogRetention', 'Custom::CDKECRDeployment', 'Custom::S3AutoDeleteObjectsCustomResourceProvider', 'BucketNotificationsHandler'];

/** The AwsSolutions findings accepted on the library-owned handlers of `stack`, each with its reason. */
export function suppressLibraryHandlerFindings(stack: Stack): void {
  for (const handler of stack.node.children.filter((c) => LIBRARY_HANDLER_IDS.some((prefix) => c.node.id.startsWith(prefix)))) {
    suppressNagFindings(handler, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK custom resource handler: AWSLambdaBasicExecutionRole only lets it write its own logs.' },
      { id: 'AwsSolutions-IAM5', reason: 'CDK custom resource handler: the actions it needs (ECR copy, log group retention, bucket notifications) act on resources named only at deploy time.' },
      { id: 'AwsSolutions-L1', reason: 'CDK custom resource handler: its runtime is chosen by the CDK library that owns it.' },
    ]);
  }
}
