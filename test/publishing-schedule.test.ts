import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTRACT } from '../src/contract';
import { defaultStack, lambdaStack, stackWith } from './fixtures/stacks';
import { outboxSenderOf, policyStatementsOf } from './fixtures/templates';

/** The logical id of the only resource of `type` in `template`. */
function onlyId(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The role EventBridge Scheduler assumes: [logical id, resource]. */
function schedulerRoleOf(template: Template): [string, any] {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) =>
    JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'));
  expect(roles).toHaveLength(1);
  return roles[0];
}

/** The statements of `statements` that name an action of `service`. */
function statementsOf(statements: any[], service: string): any[] {
  return statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith(`${service}:`)));
}

describe('the publishing schedule of an App Runner stack', () => {
  const template = Template.fromStack(defaultStack(new App()));
  const groupId = onlyId(template, 'AWS::Scheduler::ScheduleGroup');
  const groupName = template.findResources('AWS::Scheduler::ScheduleGroup')[groupId].Properties.Name;
  const [roleId, role] = schedulerRoleOf(template);
  const [, sender] = outboxSenderOf(template);
  const senderStatements = policyStatementsOf(template, sender.Properties.Role['Fn::GetAtt'][0]);
  const operatorId = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } }))[0];

  test('lives in a schedule group of the stack, which the stack deletes with its schedule', () => {
    expect(template.findResources('AWS::Scheduler::ScheduleGroup')[groupId].DeletionPolicy).toBe('Delete');
    template.resourceCountIs('AWS::Scheduler::Schedule', 0); // the sender creates it when a time is due
  });

  test('runs as a role only this account\'s schedules may assume, which may invoke the operator function and nothing else', () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    }]);
    expect(policyStatementsOf(template, roleId)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [operatorId, 'Arn'] } },
    ]);
  });

  test('the sender may create, replace and delete the one schedule of the group, and pass only the scheduler\'s role', () => {
    const schedulerStatements = statementsOf(senderStatements, 'scheduler');
    expect(schedulerStatements).toHaveLength(1);
    expect(schedulerStatements[0].Action).toEqual(['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule']);
    expect(schedulerStatements[0].Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:scheduler:eu-west-3:123456789012:schedule/${groupName}/${CONTRACT.publishingScheduleName}`]],
    });
    expect(statementsOf(senderStatements, 'iam')).toEqual([{
      Action: 'iam:PassRole',
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }]);
  });

  test('the sender is told the group, the schedule, its target, role and payload', () => {
    expect(sender.Properties.Environment.Variables).toEqual(expect.objectContaining({
      SCHEDULE_GROUP: groupName,
      SCHEDULE_NAME: CONTRACT.publishingScheduleName,
      SCHEDULE_TARGET_ARN: { 'Fn::GetAtt': [operatorId, 'Arn'] },
      SCHEDULE_ROLE_ARN: { 'Fn::GetAtt': [roleId, 'Arn'] },
      SCHEDULE_TARGET_INPUT: JSON.stringify({ manage: [CONTRACT.publishingScheduleCommand] }),
    }));
  });

  test('the service and the operator function may drop schedule requests, and are told where', () => {
    const prefix = CONTRACT.schedulePrefix;
    for (const roleOf of ['CmsInstanceRole', 'CmsOperatorServiceRole']) {
      const roleIds = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes(roleOf));
      expect(roleIds).toHaveLength(1);
      const puts = policyStatementsOf(template, roleIds[0]).filter((s) => JSON.stringify(s.Resource).includes(`/${prefix}*`));
      expect(puts).toEqual([expect.objectContaining({ Action: 's3:PutObject' })]);
    }
    const service = Object.values(template.findResources('AWS::AppRunner::Service'))[0];
    const variables = service.Properties.SourceConfiguration.ImageRepository.ImageConfiguration.RuntimeEnvironmentVariables;
    expect(variables).toEqual(expect.arrayContaining([{ Name: 'SCHEDULE_OUTBOX_BUCKET', Value: { Ref: expect.stringMatching(/OutboxBucket/) } }]));
  });
});

describe('the publishing schedule of a Lambda stack', () => {
  const template = Template.fromStack(lambdaStack(new App()));
  const [roleId] = schedulerRoleOf(template);
  const aliasId = onlyId(template, 'AWS::Lambda::Alias');

  test('invokes the alias `live`, the operator path of the site function', () => {
    expect(policyStatementsOf(template, roleId)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { Ref: aliasId } },
    ]);
    const [, sender] = outboxSenderOf(template);
    expect(sender.Properties.Environment.Variables.SCHEDULE_TARGET_ARN).toEqual({ Ref: aliasId });
  });
});

describe('a stack without email or CloudFront', () => {
  const { stack } = stackWith({ cdn: false });
  const template = Template.fromStack(stack);

  test('still has the outbox, only for the publishing schedule', () => {
    const [, sender] = outboxSenderOf(template);
    expect(sender.Properties.Description).toBe('Handles the Wagtail CMS outbox: keeps its publishing schedule');
    const [notifications] = Object.values(template.findResources('Custom::S3BucketNotifications'));
    const prefixes = notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations
      .map((c: any) => c.Filter.Key.FilterRules[0].Value);
    expect(prefixes).toEqual([CONTRACT.schedulePrefix]);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
  });
});

test('the app\'s schedule bucket variable cannot be overridden', () => {
  expect(() => stackWith({ environment: { SCHEDULE_OUTBOX_BUCKET: 'elsewhere' } })).toThrow(/SCHEDULE_OUTBOX_BUCKET/);
});
