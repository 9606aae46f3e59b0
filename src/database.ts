import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { suppressNagFindings } from './nag-suppressions';

/** The newest Aurora PostgreSQL this CDK version offers; every 17.x allows a minimum capacity of 0 (auto-pause). */
export const ENGINE = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_17_7 });

/**
 * Server-side guarantee that no forgotten idle session keeps the database awake: PostgreSQL closes any session idle
 * this long, well under the shortest auto-pause (300 s). The app's pool closes its idle connections sooner.
 */
export const IDLE_SESSION_TIMEOUT = Duration.minutes(2);

export interface ServerlessDatabaseProps {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly autoPause?: Duration;
  readonly databaseName: string;
  readonly backupRetention: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/** Aurora PostgreSQL Serverless v2, writer only, encrypted, private, credentials generated in Secrets Manager. */
export function createServerlessDatabase(scope: Construct, props: ServerlessDatabaseProps): rds.DatabaseCluster {
  const parameterGroup = new rds.ParameterGroup(scope, 'DatabaseParameters', {
    engine: ENGINE,
    description: 'Wagtail: close idle sessions so the cluster can pause; TLS only',
    parameters: {
      'idle_session_timeout': String(IDLE_SESSION_TIMEOUT.toMilliseconds()),
      'rds.force_ssl': '1',
    },
  });
  const securityGroup = new ec2.SecurityGroup(scope, 'DatabaseSecurityGroup', {
    vpc: props.vpc,
    description: 'Aurora PostgreSQL: reachable only from the App Runner VPC connector',
    allowAllOutbound: false,
  });
  const secret = new rds.DatabaseSecret(scope, 'DatabaseSecret', { username: 'wagtail' });
  suppressNagFindings(secret.node.defaultChild!, [{
    id: 'AwsSolutions-SMG4',
    reason: 'A rotation Lambda would need a Secrets Manager interface endpoint in the isolated VPC (a fixed monthly cost), and the app receives the credentials only when it starts (App Runner) or is deployed (Lambda).',
  }]);
  const cluster = new rds.DatabaseCluster(scope, 'Database', {
    engine: ENGINE,
    parameterGroup,
    writer: rds.ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: false, publiclyAccessible: false }),
    serverlessV2MinCapacity: props.minCapacity,
    serverlessV2MaxCapacity: props.maxCapacity,
    serverlessV2AutoPauseDuration: props.autoPause,
    credentials: rds.Credentials.fromSecret(secret),
    defaultDatabaseName: props.databaseName,
    storageEncrypted: true,
    iamAuthentication: true,
    backup: { retention: props.backupRetention },
    vpc: props.vpc,
    vpcSubnets: props.subnets,
    securityGroups: [securityGroup],
    removalPolicy: props.removalPolicy,
  });
  suppressNagFindings(cluster.node.defaultChild!, [{
    id: 'AwsSolutions-RDS10',
    reason: 'Removal policy SNAPSHOT (the default) keeps a final snapshot; deletion protection would stop per-branch stacks from being destroyed.',
  }]);
  return cluster;
}
