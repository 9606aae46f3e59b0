import { ExpectedResult, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';
import { WagtailScaleToZero } from '../src';

/** What the deployed database must show; the values are the ones the stack asked for. */
export interface ExpectedDatabase {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly secondsUntilAutoPause: number;
}

/** What a deployed App Runner stack must show besides its database. */
export interface ExpectedDeployment extends ExpectedDatabase {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly maxConcurrency: number;
}

// The first deployment and an Aurora resume can take minutes: poll, do not fail on the first answer.
const patience = { totalTimeout: Duration.minutes(20), interval: Duration.seconds(30) };

/**
 * Proves the site works, not only that it exists: it answers on /healthz, renders a search from the database, and
 * refuses /readyz without the readiness token, over HTTP (through CloudFront when it is in front, whose origin refuses
 * direct requests); and Aurora reports the capacity and pause the props asked for.
 */
export function assertSiteWorks(integ: IntegTest, cms: WagtailScaleToZero, expected: ExpectedDatabase): void {
  integ.assertions.httpApiCall(`${cms.serviceUrl}/healthz`)
    .expect(ExpectedResult.objectLike({ status: 200 }))
    .waitForAssertions(patience);

  // A search is rendered from the database on every request: the site reaches Aurora (waking it when paused).
  integ.assertions.httpApiCall(`${cms.serviceUrl}/search/?query=integ`)
    .expect(ExpectedResult.objectLike({ status: 200 }))
    .waitForAssertions(patience);

  // /readyz checks the database only for a caller with the readiness token, which no template holds.
  integ.assertions.httpApiCall(`${cms.serviceUrl}/readyz`)
    .expect(ExpectedResult.objectLike({ status: 403 }))
    .waitForAssertions(patience);

  if (cms.distribution) {
    // Behind CloudFront the compute's own URL refuses what did not come through the distribution.
    integ.assertions.httpApiCall(`${cms.originUrl}/`)
      .expect(ExpectedResult.objectLike({ status: 403 }))
      .waitForAssertions(patience);
  }

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
}

/** The site works, and App Runner reports the service running with the scaling the props asked for. */
export function assertDeploymentWorks(integ: IntegTest, cms: WagtailScaleToZero, expected: ExpectedDeployment): void {
  assertSiteWorks(integ, cms, expected);

  integ.assertions.awsApiCall('AppRunner', 'describeService', { ServiceArn: cms.service!.attrServiceArn })
    .expect(ExpectedResult.objectLike({ Service: { Status: 'RUNNING' } }))
    .waitForAssertions(patience);

  integ.assertions.awsApiCall('AppRunner', 'describeAutoScalingConfiguration', {
    AutoScalingConfigurationArn: cms.service!.autoScalingConfigurationArn,
  }).expect(ExpectedResult.objectLike({
    AutoScalingConfiguration: {
      MinSize: expected.minInstances,
      MaxSize: expected.maxInstances,
      MaxConcurrency: expected.maxConcurrency,
    },
  }));
}
