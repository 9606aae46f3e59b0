import { Fn } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ComputeContext, ComputeResources } from './compute-context';
import { suppressNagFindings } from '../nag-suppressions';
import { AppRunnerSettings } from '../settings';

/** What the App Runner compute creates. */
export interface AppRunnerResources extends ComputeResources {
  readonly service: apprunner.CfnService;
}

/**
 * App Runner with all egress through a VPC connector, auto scaling, an HTTP health check on a path that never touches
 * the database, secrets injected by App Runner at start, and automatic deployments of the tracked tag.
 */
export function createAppRunnerService(scope: Construct, context: ComputeContext, settings: AppRunnerSettings): AppRunnerResources {
  const repository = context.image.repository;
  const accessRole = new iam.Role(scope, 'AccessRole', {
    assumedBy: new iam.ServicePrincipal('build.apprunner.amazonaws.com'),
    description: 'Lets App Runner pull and watch the Wagtail image',
  });
  repository.grantPull(accessRole);
  repository.grant(accessRole, 'ecr:DescribeImages');
  suppressNagFindings(accessRole, [{
    id: 'AwsSolutions-IAM5',
    reason: 'ecr:GetAuthorizationToken cannot be scoped to a resource; the pull actions are scoped to the one repository.',
    appliesTo: ['Resource::*'],
  }]);

  const instanceRole = new iam.Role(scope, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('tasks.apprunner.amazonaws.com'),
    description: 'The running Wagtail app: its media bucket and its own secrets, nothing else',
  });
  for (const secret of Object.values(context.secrets)) {
    secret.grantRead(instanceRole);
  }

  const securityGroup = new ec2.SecurityGroup(scope, 'ConnectorSecurityGroup', {
    vpc: context.vpc,
    description: 'App Runner VPC connector of the Wagtail CMS',
  });
  const vpcConnector = new apprunner.CfnVpcConnector(scope, 'VpcConnector', {
    subnets: context.vpc.selectSubnets(context.subnets).subnetIds,
    securityGroups: [securityGroup.securityGroupId],
  });
  const autoScaling = new apprunner.CfnAutoScalingConfiguration(scope, 'AutoScaling', {
    minSize: settings.minInstances,
    maxSize: settings.maxInstances,
    maxConcurrency: settings.maxConcurrency,
  });

  const service = new apprunner.CfnService(scope, 'Service', {
    sourceConfiguration: {
      authenticationConfiguration: { accessRoleArn: accessRole.roleArn },
      autoDeploymentsEnabled: true,
      imageRepository: {
        imageRepositoryType: 'ECR',
        imageIdentifier: repository.repositoryUriForTag(context.image.tag),
        imageConfiguration: {
          port: String(context.port),
          runtimeEnvironmentVariables: toKeyValuePairs({ ...context.environment, WEB_CONCURRENCY: String(settings.webConcurrency) }),
          runtimeEnvironmentSecrets: toKeyValuePairs(Object.fromEntries(
            Object.entries(context.secrets).map(([name, secret]) => [name, secret.reference]))),
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
      path: settings.healthCheckPath,
      interval: settings.healthCheckInterval,
      timeout: settings.healthCheckTimeout,
      healthyThreshold: settings.healthyThreshold,
      unhealthyThreshold: settings.unhealthyThreshold,
    },
  });
  // The roles' policies must exist before App Runner first pulls the image and reads the secrets.
  service.node.addDependency(accessRole, instanceRole);
  if (context.image.readiness) {
    service.node.addDependency(context.image.readiness);
  }

  // App Runner creates its log groups itself, named after the service; the construct only sets their retention.
  const serviceName = Fn.select(1, Fn.split('/', service.attrServiceArn));
  for (const kind of ['application', 'service']) {
    new logs.LogRetention(scope, `${kind === 'application' ? 'Application' : 'Service'}LogRetention`, {
      logGroupName: Fn.join('/', ['/aws/apprunner', serviceName, service.attrServiceId, kind]),
      retention: context.logRetention,
    });
  }

  return { service, url: `https://${service.attrServiceUrl}`, domainName: service.attrServiceUrl, role: instanceRole, connections: securityGroup.connections };
}

function toKeyValuePairs(values: Record<string, string>): apprunner.CfnService.KeyValuePairProperty[] {
  return Object.entries(values).map(([name, value]) => ({ name, value }));
}
