import { Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct, IConstruct } from 'constructs';
import { ComputeContext, ComputeResources } from './compute-context';
import { suppressNagFindings } from '../nag-suppressions';
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
 * Secrets reach the function as CloudFormation dynamic references resolved at deployment into its encrypted
 * environment, since an isolated subnet cannot reach Secrets Manager.
 */
export function createLambdaFunction(
  scope: Construct, context: ComputeContext, settings: LambdaFunctionSettings, startAfter: IConstruct[],
): LambdaFunctionResources {
  const securityGroup = new ec2.SecurityGroup(scope, 'FunctionSecurityGroup', {
    vpc: context.vpc,
    description: 'Lambda function of the Wagtail CMS',
  });
  const secrets = Object.fromEntries(Object.entries(context.secrets).map(([name, secret]) => [name, secret._dynamicReference()]));
  const fn = new lambda.DockerImageFunction(scope, 'Function', {
    description: 'Wagtail CMS (Function URL requests, and the migrations of each deployment)',
    code: lambda.DockerImageCode.fromEcr(context.image.repository, { tagOrDigest: context.image.tag }),
    architecture: lambda.Architecture.X86_64,
    memorySize: settings.memorySize,
    timeout: settings.timeout,
    reservedConcurrentExecutions: settings.reserveConcurrency ? settings.maxConcurrency : undefined,
    vpc: context.vpc,
    vpcSubnets: context.subnets,
    securityGroups: [securityGroup],
    // The names of the secret values, so the runtime redacts them from a failed deployment's output.
    environment: { ...context.environment, ...secrets, SECRET_ENVIRONMENT_NAMES: Object.keys(secrets).sort().join(',') },
    logGroup: new logs.LogGroup(scope, 'FunctionLogs', { retention: context.logRetention }),
  });
  if (context.image.readiness) {
    fn.node.addDependency(context.image.readiness);
  }
  suppressNagFindings(fn, [
    { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole only let the function write its logs and use its network interfaces.' },
  ]);

  // The management invocation: an event without a request runs the locked migrations and the first admin.
  const migrate = new triggers.Trigger(scope, 'Migrate', {
    handler: fn,
    invocationType: triggers.InvocationType.REQUEST_RESPONSE,
    timeout: settings.timeout,
    executeOnHandlerChange: true,
  });
  migrate.executeAfter(...startAfter);

  const alias = new lambda.Alias(scope, 'Live', { aliasName: 'live', version: fn.currentVersion });
  alias.node.addDependency(migrate);
  const functionUrl = alias.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
  const host = Fn.select(2, Fn.split('/', functionUrl.url));

  return { function: fn, functionUrl, alias, url: `https://${host}`, domainName: host, role: fn.role!, connections: securityGroup.connections };
}

