import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { WagtailScaleToZero } from '../src';

/** What the deployed stack must show; the values are the ones the stack asked for. */
export interface ExpectedDeployment {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly maxConcurrency: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly secondsUntilAutoPause: number;
}

/**
 * Proves the deployment works, not only that it exists: the app answers on /healthz and reports database and
 * bucket healthy on /readyz, and AWS reports the scaling the props asked for.
 */
export function assertDeploymentWorks(integ: IntegTest, cms: WagtailScaleToZero, expected: ExpectedDeployment): void {
  // The first App Runner deployment and an Aurora resume can take minutes: poll, do not fail on the first answer.
  const patience = { totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) };

  integ.assertions.httpApiCall(`${cms.serviceUrl}/healthz`)
    .expect(ExpectedResult.objectLike({ status: 200 }))
    .waitForAssertions(patience);

  integ.assertions.httpApiCall(`${cms.serviceUrl}/readyz`)
    .expect(ExpectedResult.objectLike({ status: 200, body: { database: 'ok', storage: 'ok' } }))
    .waitForAssertions(patience);

  integ.assertions.awsApiCall('RDS', 'describeDBClusters', { DBClusterIdentifier: cms.database.clusterIdentifier })
    .expect(ExpectedResult.objectLike({
      DBClusters: [ExpectedResult.objectLike({
        Status: 'available',
        ServerlessV2ScalingConfiguration: {
          MinCapacity: expected.minCapacity,
          MaxCapacity: expected.maxCapacity,
          SecondsUntilAutoPause: expected.secondsUntilAutoPause,
        },
      }).result],
    }));

  integ.assertions.awsApiCall('AppRunner', 'describeService', { ServiceArn: cms.service.attrServiceArn })
    .expect(ExpectedResult.objectLike({ Service: { Status: 'RUNNING' } }))
    .waitForAssertions(patience);

  integ.assertions.awsApiCall('AppRunner', 'describeAutoScalingConfiguration', {
    AutoScalingConfigurationArn: cms.service.autoScalingConfigurationArn,
  }).expect(ExpectedResult.objectLike({
    AutoScalingConfiguration: {
      MinSize: expected.minInstances,
      MaxSize: expected.maxInstances,
      MaxConcurrency: expected.maxConcurrency,
    },
  }));
}
