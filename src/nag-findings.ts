import { AspectPriority, Aspects, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { NagSuppression, suppressNagFindings } from './nag-suppressions';

/**
 * Ids of the stack-level singleton handlers that aws-cdk-lib and cdk-ecr-deployment create for this construct's
 * resources (log retention, image copy, bucket auto-delete and notifications). They are the only resources the
 * construct does not create itself, so their accepted findings cannot sit beside their creation.
 */
export const LIBRARY_HANDLER_IDS = ['LogRetention', 'Custom::CDKECRDeployment', 'Custom::S3AutoDeleteObjectsCustomResourceProvider', 'BucketNotificationsHandler'];

const LIBRARY_HANDLER_FINDINGS: NagSuppression[] = [
  { id: 'AwsSolutions-IAM4', reason: 'CDK custom resource handler: AWSLambdaBasicExecutionRole only lets it write its own logs.' },
  { id: 'AwsSolutions-IAM5', reason: 'CDK custom resource handler: the actions it needs (ECR copy, log group retention, bucket notifications) act on resources named only at deploy time.' },
  { id: 'AwsSolutions-L1', reason: 'CDK custom resource handler: its runtime is chosen by the CDK library that owns it.' },
];

/**
 * Records the accepted findings on every resource of a library handler when the app synthesizes, so that a handler
 * created after the construct (another bucket's notifications, say) is covered too. It mutates metadata, so it runs
 * before aspects that read it (cdk-nag's).
 */
class LibraryHandlerFindings implements IAspect {
  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) {
      return;
    }
    const stack = Stack.of(node);
    const handler = node.node.scopes[stack.node.scopes.length];
    if (handler && LIBRARY_HANDLER_IDS.some((prefix) => handler.node.id.startsWith(prefix))) {
      suppressNagFindings(node, LIBRARY_HANDLER_FINDINGS);
    }
  }
}

/** Stacks that already have the aspect: two constructs in one stack must not record the findings twice. */
const covered = new WeakSet<Stack>();

/** The AwsSolutions findings accepted on the library-owned handlers of `stack`, each with its reason. */
export function suppressLibraryHandlerFindings(stack: Stack): void {
  if (!covered.has(stack)) {
    covered.add(stack);
    Aspects.of(stack).add(new LibraryHandlerFindings(), { priority: AspectPriority.MUTATING });
  }
}
