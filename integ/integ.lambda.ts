// The Lambda compute, for accounts without App Runner: deployable in any region.
import { ExpectedResult } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { WagtailCompute, WagtailScaleToZero } from '../src';
import { assertSiteWorks } from './assertions';
import { integTestOf } from './integ-test-case';

const app = new App();
const stack = new Stack(app, 'WagtailScaleToZeroLambda');
const cms = new WagtailScaleToZero(stack, 'Cms', {
  compute: WagtailCompute.lambdaFunction({ maxConcurrency: 10 }),
  database: { maxCapacity: 2, removalPolicy: RemovalPolicy.DESTROY },
  mediaRemovalPolicy: RemovalPolicy.DESTROY,
  repositoryRemovalPolicy: RemovalPolicy.DESTROY,
});

const integ = integTestOf(app, 'LambdaStack', stack, ['us-east-1', 'eu-west-1', 'eu-central-1']);
assertSiteWorks(integ, cms, { minCapacity: 0, maxCapacity: 2, secondsUntilAutoPause: 300 });
integ.assertions.awsApiCall('Lambda', 'getFunctionConcurrency', { FunctionName: cms.lambdaFunction!.functionName })
  .expect(ExpectedResult.objectLike({ ReservedConcurrentExecutions: 10 }));
