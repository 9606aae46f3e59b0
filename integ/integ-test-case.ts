import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { APP_RUNNER_REGIONS } from './app-runner-regions';

/**
 * An integ test of one stack: deployed only where App Runner runs (unless other regions are given), compared without
 * staged asset contents, destroyed without a prompt.
 */
export function integTestOf(app: App, id: string, stack: Stack, regions: string[] = APP_RUNNER_REGIONS): IntegTest {
  return new IntegTest(app, id, {
    testCases: [stack],
    regions,
    diffAssets: false,
    cdkCommandOptions: { destroy: { args: { force: true } } },
  });
}
