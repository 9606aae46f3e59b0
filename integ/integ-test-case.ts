import { IntegTest } from '@aws-cdk/integ-tests-alpha';
import { App, Stack } from 'aws-cdk-lib';
import { APP_RUNNER_REGIONS } from './app-runner-regions';

/**
 * An integ test of one stack: deployed only where App Runner runs, compared without staged asset contents,
 * destroyed without a prompt.
 */
export function integTestOf(app: App, id: string, stack: Stack): IntegTest {
  return new IntegTest(app, id, {
    testCases: [stack],
    regions: APP_RUNNER_REGIONS,
    diffAssets: false,
    cdkCommandOptions: { destroy: { args: { force: true } } },
  });
}
