import { Duration, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ComputeContext } from './compute-context';
import { environmentFor } from '../contract';
import { suppressNagFindings } from '../nag-suppressions';

/**
 * The /tmp of every function that runs the site's image: Lambda's largest, where an import's database file and an
 * export's dump are staged (billed only while an invocation runs, per GB-second above 512 MB; nothing while idle).
 */
export const SITE_FUNCTION_EPHEMERAL_STORAGE = Size.gibibytes(10);

/** How one Lambda function that runs the site's image is sized. */
export interface SiteFunctionOptions {
  /** The ids of its resources start with this: `<id>`, `<id>SecurityGroup`, `<id>Logs`. */
  readonly id: string;
  readonly description: string;
  /** The description of its security group (changing it replaces the group). */
  readonly securityGroupDescription: string;
  /** The image tag the function resolves at each deployment. */
  readonly tag: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /** @default - none reserved */
  readonly reservedConcurrentExecutions?: number;
}

/** The function and the network identity the database must admit. */
export interface SiteFunction {
  readonly function: lambda.DockerImageFunction;
  readonly securityGroup: ec2.SecurityGroup;
}

/**
 * The site's image as a Lambda function in the VPC's subnets, with the site's environment. Secrets reach it as
 * CloudFormation dynamic references resolved at deployment into its encrypted environment, since an isolated subnet
 * cannot reach Secrets Manager; their names go along, so the runtime redacts their values from what it returns.
 */
export function createSiteFunction(scope: Construct, context: ComputeContext, options: SiteFunctionOptions): SiteFunction {
  const securityGroup = new ec2.SecurityGroup(scope, `${options.id}SecurityGroup`, {
    vpc: context.vpc,
    description: options.securityGroupDescription,
  });
  const secrets = Object.fromEntries(Object.entries(context.secrets).map(([name, secret]) => [name, secret._dynamicReference()]));
  const fn = new lambda.DockerImageFunction(scope, options.id, {
    description: options.description,
    code: lambda.DockerImageCode.fromEcr(context.image.repository, { tagOrDigest: options.tag }),
    architecture: lambda.Architecture.X86_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    ephemeralStorageSize: SITE_FUNCTION_EPHEMERAL_STORAGE,
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    vpc: context.vpc,
    vpcSubnets: context.subnets,
    securityGroups: [securityGroup],
    environment: { ...environmentFor('lambdaFunction', context.environment), ...secrets, SECRET_ENVIRONMENT_NAMES: Object.keys(secrets).sort().join(',') },
    logGroup: new logs.LogGroup(scope, `${options.id}Logs`, { retention: context.logRetention }),
  });
  if (context.image.readiness) {
    fn.node.addDependency(context.image.readiness);
  }
  suppressNagFindings(fn, [
    { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole only let the function write its logs and use its network interfaces.' },
  ]);
  return { function: fn, securityGroup };
}
