import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { CONTRACT } from './contract';

export interface PublishingScheduleProps {
  /** The operator path the schedule invokes: the function (or alias) that runs management commands. */
  readonly operatorFunction: lambda.IFunction;
}

/**
 * Where Wagtail's scheduled publishing is kept without a clock that wakes the database: a schedule group of this
 * stack, in which the outbox sender keeps at most one one-time schedule (`at(...)`, deleted after it runs) for the
 * next go-live or expiry time the app asks for, and the role EventBridge Scheduler assumes to invoke the operator
 * function with the publishing command. Deleting the stack deletes the group and its schedule. Costs nothing idle.
 */
export class PublishingSchedule extends Construct {
  /** The stack's schedule group. */
  public readonly group: scheduler.ScheduleGroup;
  /** The role EventBridge Scheduler assumes to invoke the operator function, and only that. */
  public readonly role: iam.Role;
  /** The ARN of the operator function the schedule invokes. */
  public readonly targetArn: string;
  /** The schedule's payload: `{"manage": ["<publishing command>"]}`. */
  public readonly targetInput: string;

  constructor(scope: Construct, id: string, props: PublishingScheduleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'SchedulerRole', {
      description: 'Lets the publishing schedule of the Wagtail CMS invoke its operator function',
      // Only schedules of this account (which ARN Scheduler gives as aws:SourceArn is not documented clearly enough
      // to rely on: a wrong one would fail every run silently).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.targetArn = props.operatorFunction.functionArn;
    // The exact ARN (grantInvoke would add every version and alias of a function with `:*`).
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.targetArn] }));
    this.targetInput = JSON.stringify({ manage: [CONTRACT.publishingScheduleCommand] });
  }

  /** The ARN of the one schedule the group holds. */
  public get scheduleArn(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/${CONTRACT.publishingScheduleName}`,
    });
  }

  /** Lets `grantee` create, replace and delete the publishing schedule, and pass the scheduler's role to it. */
  public grantManage(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      resources: [this.scheduleArn],
    }));
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }));
  }
}
