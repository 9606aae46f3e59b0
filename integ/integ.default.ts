// The stack a user gets with no props but the removal policies an integ test needs to leave nothing behind.
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { WagtailScaleToZero } from '../src';
import { assertDeploymentWorks } from './assertions';
import { integTestOf } from './integ-test-case';

const app = new App();
const stack = new Stack(app, 'WagtailScaleToZeroDefault');
const cms = new WagtailScaleToZero(stack, 'Cms', {
  database: { removalPolicy: RemovalPolicy.DESTROY },
  mediaRemovalPolicy: RemovalPolicy.DESTROY,
  repositoryRemovalPolicy: RemovalPolicy.DESTROY,
});

const integ = integTestOf(app, 'DefaultStack', stack);
assertDeploymentWorks(integ, cms, {
  minInstances: 1, maxInstances: 25, maxConcurrency: 100, minCapacity: 0, maxCapacity: 4, secondsUntilAutoPause: 300,
});
