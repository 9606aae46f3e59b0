// An existing VPC (with a NAT gateway and its own private subnets), non-default scaling and database props, email,
// and no CloudFront: readers reach App Runner directly.
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { WagtailCompute, WagtailScaleToZero } from '../src';
import { assertDeploymentWorks } from './assertions';
import { integTestOf } from './integ-test-case';

const app = new App();
const stack = new Stack(app, 'WagtailScaleToZeroExistingVpc');
const vpc = new ec2.Vpc(stack, 'ExistingVpc', { maxAzs: 2, natGateways: 1 });
const cms = new WagtailScaleToZero(stack, 'Cms', {
  vpc,
  compute: WagtailCompute.appRunner({ minInstances: 1, maxInstances: 3, maxConcurrency: 50 }),
  database: { minCapacity: 0, maxCapacity: 2, autoPause: Duration.minutes(10), removalPolicy: RemovalPolicy.DESTROY },
  email: { fromAddress: 'cms@example.com' },
  adminEmail: 'editor@example.com',
  cdn: false,
  mediaRemovalPolicy: RemovalPolicy.DESTROY,
  repositoryRemovalPolicy: RemovalPolicy.DESTROY,
});

const integ = integTestOf(app, 'ExistingVpcStack', stack);
assertDeploymentWorks(integ, cms, {
  minInstances: 1, maxInstances: 3, maxConcurrency: 50, minCapacity: 0, maxCapacity: 2, secondsUntilAutoPause: 600,
});
