import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ComputeContext } from './compute-context';
import { SiteFunction, createSiteFunction } from './site-function';

/** Memory of the operator function: enough for a management command over a whole site's pages. */
export const OPERATOR_MEMORY_SIZE = 2048;

/** Timeout of the operator function: Lambda's longest, for commands that walk a whole site. */
export const OPERATOR_TIMEOUT = Duration.minutes(15);

/** Operator invocations that may run at once, each with one database connection (within the reserved ones). */
export const OPERATOR_CONCURRENCY = 2;

/**
 * The operator path of App Runner stacks, which have no exec: the site's image as a Lambda function in the VPC with
 * no URL, reached only by IAM principals allowed to invoke it, that runs one management command per invocation
 * (`{"manage": [...]}`) and costs nothing while idle. It pulls the image by its content tag, so the image each
 * deployment brings reaches it with that deployment.
 */
export function createOperatorFunction(scope: Construct, context: ComputeContext, reserveConcurrency: boolean): SiteFunction {
  return createSiteFunction(scope, context, {
    id: 'Operator',
    description: 'Wagtail CMS operator path: runs the management command of each invocation',
    securityGroupDescription: 'Operator function of the Wagtail CMS',
    tag: context.image.contentTag ?? context.image.tag,
    memorySize: OPERATOR_MEMORY_SIZE,
    timeout: OPERATOR_TIMEOUT,
    reservedConcurrentExecutions: reserveConcurrency ? OPERATOR_CONCURRENCY : undefined,
  });
}
