import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { customizedStack, defaultStack } from './fixtures/stacks';

describe.each([['default stack', defaultStack], ['stack with every prop set', customizedStack]] as Array<[string, (app: App) => Stack]>)('cdk-nag AwsSolutions on the %s', (_name, build) => {
  const app = new App();
  const stack = build(app);
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();

  test('no unsuppressed errors', () => {
    const errors = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(errors.map((e) => `${e.id}: ${String(e.entry.data).split(':')[0]}`)).toEqual([]);
  });

  test('no unsuppressed warnings', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(warnings.map((w) => `${w.id}: ${String(w.entry.data).split(':')[0]}`)).toEqual([]);
  });

  test('every suppression gives a reason', () => {
    const template = app.synth().getStackByName(stack.stackName).template;
    const suppressions = Object.values(template.Resources as Record<string, any>).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressions.length).toBeGreaterThan(0);
    for (const suppression of suppressions) {
      expect(suppression.reason.length).toBeGreaterThan(40);
    }
  });
});
