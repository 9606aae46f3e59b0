import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { checkConnectionBudget } from './connection-budget';
import { createServerlessDatabase } from './database';
import { EmailOptions } from './email-options';
import { EmailOutbox } from './email-outbox';
import { EnvironmentSecret } from './environment-secret';
import { WagtailImage } from './image';
import { createMediaBucket } from './media-bucket';
import { suppressLibraryFindings } from './nag-findings';
import { addS3GatewayEndpoint, createIsolatedVpc, defaultSubnets } from './network';
import { loadRuntimeDefaults, runtimeEnvironment } from './runtime-defaults';
import { resolveSettings } from './settings';

/** How App Runner scales the service. */
export interface ScalingOptions {
  /**
   * Instances kept provisioned (App Runner bills an idle one for its memory only); 1-25.
   * @default 1
   */
  readonly minInstances?: number;
  /**
   * Most instances App Runner starts under load; 1-25 and at least `minInstances`.
   * @default 25
   */
  readonly maxInstances?: number;
  /**
   * Concurrent requests one instance takes before App Runner adds another; 1-200.
   * @default 100
   */
  readonly maxConcurrency?: number;
}

/** The Aurora PostgreSQL Serverless v2 database. */
export interface DatabaseOptions {
  /**
   * Least capacity in ACUs, 0-256 in steps of 0.5; 0 lets the database pause when nobody uses it.
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Most capacity in ACUs, 1-256 in steps of 0.5 and at least `minCapacity`.
   * @default 4
   */
  readonly maxCapacity?: number;
  /**
   * Idle time before the database pauses, 300-86,400 seconds; only with `minCapacity` 0.
   * @default Duration.minutes(5) when minCapacity is 0
   */
  readonly autoPause?: Duration;
  /**
   * Name of the database Wagtail uses.
   * @default 'wagtail'
   */
  readonly databaseName?: string;
  /**
   * How long automated backups are kept, 1-35 days.
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * What happens to the database when the stack deletes it.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** App Runner's HTTP health check. It must never touch the database: it runs all the time. */
export interface HealthCheckOptions {
  /**
   * Path of the health check.
   * @default '/healthz'
   */
  readonly path?: string;
  /**
   * Time between checks, 1-20 seconds.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * Time to wait for an answer, 1-20 seconds.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive successes before an instance counts as healthy, 1-20.
   * @default 1
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures before an instance counts as unhealthy, 1-20. The default leaves a new instance about
   * 100 s to run its first migrations before it must answer.
   * @default 10
   */
  readonly unhealthyThreshold?: number;
}

/** Properties of a WagtailScaleToZero. */
export interface WagtailScaleToZeroProps {
  /**
   * The container image App Runner runs.
   * @default WagtailImage.fromBundledApp()
   */
  readonly image?: WagtailImage;
  /**
   * An existing VPC to place the database and the VPC connector in.
   * @default - a new VPC in two Availability Zones with isolated subnets only (no NAT, no internet gateway)
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The subnets of `vpc` the database and the VPC connector use.
   * @default - the VPC's isolated subnets, or its private subnets with egress when it has no isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Whether the chosen subnets already route to S3 (an S3 gateway endpoint or NAT); when false the construct adds
   * an S3 gateway endpoint to them.
   * @default false
   */
  readonly vpcRoutesToS3?: boolean;
  /**
   * vCPUs of one App Runner instance: '0.25 vCPU', '0.5 vCPU', '1 vCPU', '2 vCPU' or '4 vCPU', paired with an
   * allowed `memory`.
   * @default '0.5 vCPU'
   */
  readonly cpu?: string;
  /**
   * Memory of one App Runner instance; allowed pairs: 0.25 vCPU with '0.5 GB' or '1 GB'; 0.5 vCPU with '1 GB';
   * 1 vCPU with '2 GB', '3 GB' or '4 GB'; 2 vCPU with '4 GB' or '6 GB'; 4 vCPU with '8 GB', '10 GB' or '12 GB'.
   * @default '1 GB'
   */
  readonly memory?: string;
  /**
   * How App Runner scales.
   * @default - 1 to 25 instances, 100 concurrent requests each
   */
  readonly scaling?: ScalingOptions;
  /**
   * The database's capacity, pause and retention.
   * @default - 0 to 4 ACUs, pause after 5 minutes, snapshot on removal
   */
  readonly database?: DatabaseOptions;
  /**
   * App Runner's health check.
   * @default - HTTP GET /healthz every 10 s
   */
  readonly healthCheck?: HealthCheckOptions;
  /**
   * Extra plain environment variables for the container. Names the construct sets itself are refused.
   * @default - none
   */
  readonly environment?: { [name: string]: string };
  /**
   * Environment variables whose values come from Secrets Manager or SSM Parameter Store, resolved by App Runner
   * when an instance starts (a changed value reaches the app at the next deployment); the app may read exactly these.
   * Names the construct sets itself, and names also given in `environment`, are refused.
   * @default - none
   */
  readonly environmentSecrets?: { [name: string]: EnvironmentSecret };
  /**
   * Email through Amazon SES without a NAT: the app drops each message in a private outbox bucket and a function
   * outside the VPC sends it. Without it the site sends no email and Wagtail's password reset is off.
   * @default - no email
   */
  readonly email?: EmailOptions;
  /**
   * A custom domain you associate with the service yourself (App Runner has no CloudFormation resource for it);
   * the app accepts requests and form posts for it, and links in admin emails use it.
   * @default - only the region's App Runner domain; admin emails link to the address the browser used
   */
  readonly domainName?: string;
  /**
   * User name of the first Wagtail administrator; the password is generated in Secrets Manager.
   * @default 'admin'
   */
  readonly adminUsername?: string;
  /**
   * Email address of the first Wagtail administrator.
   * @default 'admin@example.com'
   */
  readonly adminEmail?: string;
  /**
   * How long App Runner's application and service logs (and the VPC flow logs) are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the media bucket when the stack deletes it; DESTROY also deletes its objects.
   * @default RemovalPolicy.RETAIN
   */
  readonly mediaRemovalPolicy?: RemovalPolicy;
  /**
   * What happens to the construct's ECR repository when the stack deletes it; DESTROY also deletes its images.
   * @default RemovalPolicy.RETAIN
   */
  readonly repositoryRemovalPolicy?: RemovalPolicy;
  /**
   * How many images the construct's ECR repository keeps, 1-1000.
   * @default 10
   */
  readonly imagesToKeep?: number;
}

/**
 * A Wagtail CMS that costs almost nothing while idle: App Runner (VPC connector, auto scaling) in front of Aurora
 * PostgreSQL Serverless v2 that pauses at zero capacity, a private S3 media bucket reached through a gateway
 * endpoint, and an ECR repository whose new images App Runner deploys by itself.
 */
export class WagtailScaleToZero extends Construct implements iam.IGrantable {
  /** The service's https URL. */
  public readonly serviceUrl: string;
  /** The App Runner service. */
  public readonly service: apprunner.CfnService;
  /** The VPC the database and the VPC connector are in. */
  public readonly vpc: ec2.IVpc;
  /** The Aurora PostgreSQL Serverless v2 cluster. */
  public readonly database: rds.DatabaseCluster;
  /** The private bucket holding Wagtail's images and documents. */
  public readonly mediaBucket: s3.Bucket;
  /** The ECR repository App Runner pulls from and tracks. */
  public readonly repository: ecr.IRepository;
  /** The security group of the App Runner VPC connector; allow it into whatever else the app must reach. */
  public readonly connections: ec2.Connections;
  /** The role the running app has; grant it access to more resources. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The secret holding the first administrator's generated password (a plain string). */
  public readonly adminPasswordSecret: secretsmanager.ISecret;
  /** gunicorn worker processes per instance, derived from `cpu`: 2 per vCPU, at least 2. */
  public readonly webConcurrency: number;
  /** Database connections one instance opens at most: gunicorn workers x threads (one pooled connection each). */
  public readonly databaseConnectionsPerInstance: number;
  /**
   * Database connections the whole service opens at most, at `scaling.maxInstances`.
   * @default - undefined when `scaling.maxInstances` is a token, unknown until deployment
   */
  public readonly maxDatabaseConnections?: number;
  /**
   * Events of messages that could not be sent after every retry (they stay in the outbox bucket); alarm on its
   * visible messages.
   * @default - undefined without `email`
   */
  public readonly emailFailureQueue?: sqs.IQueue;

  constructor(scope: Construct, id: string, props: WagtailScaleToZeroProps = {}) {
    super(scope, id);
    const runtime = loadRuntimeDefaults();
    const settings = resolveSettings(props, runtime);
    this.webConcurrency = settings.webConcurrency;
    this.databaseConnectionsPerInstance = settings.connectionsPerInstance;
    this.maxDatabaseConnections = Token.isUnresolved(settings.maxInstances) ? undefined : settings.maxInstances * settings.connectionsPerInstance;
    checkConnectionBudget({
      maxInstances: settings.maxInstances,
      connectionsPerInstance: this.databaseConnectionsPerInstance,
      minCapacity: settings.minCapacity,
      maxCapacity: settings.maxCapacity,
    });

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    this.vpc = props.vpc ?? createIsolatedVpc(this, logRetention);
    const subnets = props.vpcSubnets ?? defaultSubnets(this.vpc);
    if (!props.vpcRoutesToS3) {
      addS3GatewayEndpoint(this, this.vpc, subnets);
    }

    const region = Stack.of(this).region;
    const hosts = [`.${region}.awsapprunner.com`, ...(props.domainName ? [props.domainName] : [])];
    const origins = [`https://*.${region}.awsapprunner.com`, ...(props.domainName ? [`https://${props.domainName}`] : [])];

    this.database = createServerlessDatabase(this, {
      vpc: this.vpc,
      subnets,
      minCapacity: settings.minCapacity,
      maxCapacity: settings.maxCapacity,
      autoPause: settings.autoPause,
      databaseName: settings.databaseName,
      backupRetention: props.database?.backupRetention ?? Duration.days(7),
      removalPolicy: props.database?.removalPolicy ?? RemovalPolicy.SNAPSHOT,
    });
    this.mediaBucket = createMediaBucket(this, props.mediaRemovalPolicy ?? RemovalPolicy.RETAIN, origins);

    const secretKey = new secretsmanager.Secret(this, 'DjangoSecretKey', {
      description: 'Django SECRET_KEY of the Wagtail CMS',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.adminPasswordSecret = new secretsmanager.Secret(this, 'AdminPassword', {
      description: 'Password of the first Wagtail administrator',
      generateSecretString: { passwordLength: 24, excludePunctuation: true },
    });

    const image = (props.image ?? WagtailImage.fromBundledApp()).bind(this, {
      repositoryRemovalPolicy: props.repositoryRemovalPolicy ?? RemovalPolicy.RETAIN,
      imagesToKeep: settings.imagesToKeep,
    });
    this.repository = image.repository;

    const accessRole = new iam.Role(this, 'AccessRole', {
      assumedBy: new iam.ServicePrincipal('build.apprunner.amazonaws.com'),
      description: 'Lets App Runner pull and watch the Wagtail image',
    });
    this.repository.grantPull(accessRole);
    this.repository.grant(accessRole, 'ecr:DescribeImages');

    const instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('tasks.apprunner.amazonaws.com'),
      description: 'The running Wagtail app: its media bucket and its own secrets, nothing else',
    });
    this.grantPrincipal = instanceRole;
    instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      resources: [this.mediaBucket.arnForObjects('*')],
    }));
    instanceRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.mediaBucket.bucketArn],
    }));
    this.database.secret!.grantRead(instanceRole);
    secretKey.grantRead(instanceRole);
    this.adminPasswordSecret.grantRead(instanceRole);
    for (const secret of Object.values(props.environmentSecrets ?? {})) {
      secret.grantRead(instanceRole);
    }

    const emailEnvironment: Record<string, string> = {};
    if (props.email) {
      const outbox = new EmailOutbox(this, 'Outbox', { email: props.email, logRetention });
      outbox.grantSend(instanceRole);
      this.emailFailureQueue = outbox.failureQueue;
      emailEnvironment.EMAIL_OUTBOX_BUCKET = outbox.bucket.bucketName;
      emailEnvironment.DJANGO_DEFAULT_FROM_EMAIL = props.email.fromAddress;
      new CfnOutput(this, 'EmailFailureQueueUrl', {
        value: outbox.failureQueue.queueUrl,
        description: 'Queue of emails that could not be sent after every retry (the messages stay in the outbox bucket)',
      });
    }

    const connectorSecurityGroup = new ec2.SecurityGroup(this, 'ConnectorSecurityGroup', {
      vpc: this.vpc,
      description: 'App Runner VPC connector of the Wagtail CMS',
    });
    this.connections = connectorSecurityGroup.connections;
    this.database.connections.allowDefaultPortFrom(connectorSecurityGroup, 'Wagtail on App Runner');
    const vpcConnector = new apprunner.CfnVpcConnector(this, 'VpcConnector', {
      subnets: this.vpc.selectSubnets(subnets).subnetIds,
      securityGroups: [connectorSecurityGroup.securityGroupId],
    });

    const autoScaling = new apprunner.CfnAutoScalingConfiguration(this, 'AutoScaling', {
      minSize: settings.minInstances,
      maxSize: settings.maxInstances,
      maxConcurrency: settings.maxConcurrency,
    });

    const environment: Record<string, string> = {
      ...props.environment,
      ...runtimeEnvironment(runtime),
      WEB_CONCURRENCY: String(settings.webConcurrency),
      ...emailEnvironment,
      ...(props.domainName ? { WAGTAILADMIN_BASE_URL: `https://${props.domainName}` } : {}),
      DATABASE_NAME: settings.databaseName,
      DJANGO_ALLOWED_HOSTS: hosts.join(','),
      DJANGO_CSRF_TRUSTED_ORIGINS: origins.join(','),
      AWS_STORAGE_BUCKET_NAME: this.mediaBucket.bucketName,
      AWS_S3_REGION_NAME: region,
      DJANGO_SUPERUSER_USERNAME: settings.adminUsername,
      DJANGO_SUPERUSER_EMAIL: props.adminEmail ?? 'admin@example.com',
    };
    const secrets: Record<string, string> = {
      ...Object.fromEntries(Object.entries(props.environmentSecrets ?? {}).map(([name, secret]) => [name, secret.reference])),
      DATABASE_SECRET: this.database.secret!.secretArn,
      DJANGO_SECRET_KEY: secretKey.secretArn,
      DJANGO_SUPERUSER_PASSWORD: this.adminPasswordSecret.secretArn,
    };

    this.service = new apprunner.CfnService(this, 'Service', {
      sourceConfiguration: {
        authenticationConfiguration: { accessRoleArn: accessRole.roleArn },
        autoDeploymentsEnabled: true,
        imageRepository: {
          imageRepositoryType: 'ECR',
          imageIdentifier: this.repository.repositoryUriForTag(image.tag),
          imageConfiguration: {
            port: String(runtime.PORT),
            runtimeEnvironmentVariables: toKeyValuePairs(environment),
            runtimeEnvironmentSecrets: toKeyValuePairs(secrets),
          },
        },
      },
      instanceConfiguration: { cpu: settings.cpu, memory: settings.memory, instanceRoleArn: instanceRole.roleArn },
      networkConfiguration: {
        egressConfiguration: { egressType: 'VPC', vpcConnectorArn: vpcConnector.attrVpcConnectorArn },
        ingressConfiguration: { isPubliclyAccessible: true },
      },
      autoScalingConfigurationArn: autoScaling.attrAutoScalingConfigurationArn,
      healthCheckConfiguration: {
        protocol: 'HTTP',
        path: props.healthCheck?.path ?? '/healthz',
        interval: settings.healthCheckInterval,
        timeout: settings.healthCheckTimeout,
        healthyThreshold: settings.healthyThreshold,
        unhealthyThreshold: settings.unhealthyThreshold,
      },
    });
    // The role's policies must exist before App Runner first pulls the image and reads the secrets.
    this.service.node.addDependency(accessRole, instanceRole);
    if (image.readiness) {
      this.service.node.addDependency(image.readiness);
    }
    this.serviceUrl = `https://${this.service.attrServiceUrl}`;

    // App Runner creates its log groups itself, named after the service; the construct only sets their retention.
    const serviceName = Fn.select(1, Fn.split('/', this.service.attrServiceArn));
    for (const kind of ['application', 'service']) {
      new logs.LogRetention(this, `${kind === 'application' ? 'Application' : 'Service'}LogRetention`, {
        logGroupName: Fn.join('/', ['/aws/apprunner', serviceName, this.service.attrServiceId, kind]),
        retention: logRetention,
      });
    }

    new CfnOutput(this, 'ServiceUrl', { value: this.serviceUrl, description: 'URL of the Wagtail CMS' });
    new CfnOutput(this, 'AdminPasswordSecretArn', {
      value: this.adminPasswordSecret.secretArn,
      description: `Secret holding the password of the Wagtail administrator "${settings.adminUsername}"`,
    });

    suppressLibraryFindings(this);
  }
}

function toKeyValuePairs(values: Record<string, string>): apprunner.CfnService.KeyValuePairProperty[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}
