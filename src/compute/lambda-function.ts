import { Fn } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct, IConstruct } from 'constructs';
import { ComputeContext, ComputeResources } from './compute-context';
import { createSiteFunction } from './site-function';
import { CONTRACT } from '../contract';
import { LambdaFunctionSettings } from '../settings';

/** What the Lambda compute creates. */
export interface LambdaFunctionResources extends ComputeResources {
  readonly function: lambda.DockerImageFunction;
  readonly functionUrl: lambda.FunctionUrl;
  /** The alias `live`, which serves the URL and takes the operator's direct invocations. */
  readonly alias: lambda.Alias;
}

/**
 * The image as a Lambda function in the VPC's private subnets, served by a public Function URL on the alias `live`.
 * Each deployment publishes a version, runs the migrations and the first admin on it (a management invocation that
 * fails the deployment when they fail), and only then moves `live` to it: new code never serves an old schema.
 */
export function createLambdaFunction(
  scope: Construct, context: ComputeContext, settings: LambdaFunctionSettings, startAfter: IConstruct[],
): LambdaFunctionResources {
  const { function: fn, securityGroup } = createSiteFunction(scope, context, {
    id: 'Function',
    description: 'Wagtail CMS (Function URL requests, and the migrations of each deployment)',
    securityGroupDescription: 'Lambda function of the Wagtail CMS',
    tag: context.image.tag,
    memorySize: settings.memorySize,
    timeout: settings.timeout,
    reservedConcurrentExecutions: settings.reserveConcurrency ? settings.maxConcurrency : undefined,
  });

  // The management invocation: an event without a request runs the locked migrations and the first admin.
  const migrate = new triggers.Trigger(scope, 'Migrate', {
    handler: fn,
    invocationType: triggers.InvocationType.REQUEST_RESPONSE,
    timeout: settings.timeout,
    executeOnHandlerChange: true,
  });
  migrate.executeAfter(...startAfter);

  const alias = new lambda.Alias(scope, 'Live', { aliasName: CONTRACT.liveAlias, version: fn.currentVersion });
  alias.node.addDependency(migrate);
  const functionUrl = alias.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  const host = Fn.select(2, Fn.split('/', functionUrl.url));

  return { function: fn, functionUrl, alias, url: `https://${host}`, domainName: host, role: fn.role!, connections: securityGroup.connections };
}

