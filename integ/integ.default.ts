// The stack a user gets with no props but the removal policies an integ test needs to leave nothing behind.
import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { WagtailScaleToZero } from '../src';
import { APP_RUNNER_REGIONS } from './app-runner-regions';
import { assertDeploymentWorks } from './assertions';

const app = new App();
const stack = new Stack(app, 'WagtailScaleToZeroDefault');
const cms = new WagtailScaleToZero(stack, 'Cms', {
  database: { removalPolicy: RemovalPolicy.DESTROY },
  mediaRemovalPolicy: RemovalPolicy.DESTROY,
  repositoryRemovalPolicy: RemovalPolicy.DESTROY,
});

const integ = new IntegTest(app, 'DefaultStack', {
  testCases: [stack],
  regions: APP_RUNNER_REGIONS,
  diffAssets: false,
  cdkCommandOptions: { destroy: { args: { force: true } } },
});
assertDeploymentWorks(integ, cms, {
  minInstances: 1, maxInstances: 25, maxConcurrency: 100, minCapacity: 0, maxCapacity: 4, secondsUntilAutoPause: 300,
});
