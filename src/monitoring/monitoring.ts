import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTRACT } from '../contract';
import { AlarmDefinition, FailureQueue, MonitoredResources, plannedAlarms } from './alarm-plan';
import { createDashboard } from './dashboard';
import { appRunnerMetrics, cdnMetrics, CLOUDFRONT_METRICS_REGION, databaseMetrics, lambdaFunctionMetrics } from './metrics';
import { suppressNagFindings } from '../nag-suppressions';
import { maxDatabaseConnections, ResolvedSettings } from '../settings';

/** What the construct hands to its monitoring. */
export interface MonitoringProps {
  readonly settings: ResolvedSettings;
  /**
   * Where the alarms notify.
   * @default - a topic the construct creates
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Set with the App Runner compute. */
  readonly service?: apprunner.CfnService;
  /** Set with the Lambda compute; its alias `live` serves the Function URL. */
  readonly lambdaFunction?: lambda.IFunction;
  readonly database: rds.IDatabaseCluster;
  /** One per failure queue the settings count, in the same order. */
  readonly failureQueues: FailureQueue[];
  /**
   * CloudFront in front of the compute. Its metrics exist only in us-east-1, and an alarm must live in its metric's
   * region: in a us-east-1 stack the error-rate alarm reads CloudFront's 5xx rate, elsewhere the compute's.
   * @default - no distribution
   */
  readonly distribution?: cloudfront.IDistribution;
}

/**
 * The site's alarms, their SNS topic (unless another action is given) and its dashboard, all from CloudWatch metrics
 * the services publish themselves: nothing here connects to the database or keeps it awake.
 */
export class Monitoring extends Construct {
  /** Empty when alarms are off. */
  public readonly alarms: cloudwatch.IAlarm[];
  /** The created topic; undefined when alarms are off or go to the given action. */
  public readonly alarmTopic?: sns.ITopic;
  /** Undefined when the dashboard is off. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { settings } = props;
    if (props.failureQueues.length !== settings.monitoring.failureQueues) {
      throw new Error(`monitoring expected ${settings.monitoring.failureQueues} failure queue(s), got ${props.failureQueues.length}`);
    }
    const resources: MonitoredResources = {
      appRunner: props.service ? appRunnerMetrics(props.service) : undefined,
      lambdaFunction: props.lambdaFunction ? lambdaFunctionMetrics(props.lambdaFunction) : undefined,
      database: databaseMetrics(props.database),
      cdn: props.distribution ? cdnMetrics(props.distribution) : undefined,
      cdnAlarms: props.distribution !== undefined && Stack.of(this).region === CLOUDFRONT_METRICS_REGION,
      failureQueues: props.failureQueues,
    };

    const planned = plannedAlarms(settings);
    let action = props.alarmAction;
    if (planned.length > 0 && action === undefined) {
      this.alarmTopic = createAlarmTopic(this);
      action = new SnsAction(this.alarmTopic);
      new CfnOutput(this, 'AlarmTopicArn', {
        value: this.alarmTopic.topicArn,
        description: 'SNS topic the CMS alarms notify: subscribe to it to be told when the site breaks',
      });
    }
    this.alarms = planned.map((alarm) => createAlarm(this, alarm.define(resources), action!));

    if (settings.monitoring.dashboard) {
      this.dashboard = createDashboard(this, 'Dashboard', {
        resources,
        maxInstances: settings.maxInstances,
        maxCapacity: settings.maxCapacity,
        maxDatabaseConnections: maxDatabaseConnections(settings),
        alarms: this.alarms,
      });
    }
  }
}

/** What the outbox handles, for the operator's instructions. */
export interface OutboxContents {
  /** Email messages, under email/. */
  readonly email: boolean;
  /** CloudFront cache purge requests, under purge/. */
  readonly purges: boolean;
}

/** The outbox's failure queue, and what an operator does about a record in it. */
export function outboxFailureQueue(queue: sqs.IQueue, contents: OutboxContents): FailureQueue {
  const objects = [
    ...(contents.email ? ['an email message (email/)'] : []),
    ...(contents.purges ? ['a cache purge request (purge/)'] : []),
    `a publishing-schedule request (${CONTRACT.schedulePrefix})`,
  ];
  const errors = [
    ...(contents.email ? ['SES: an unverified identity, a recipient outside the SES sandbox, a sending quota'] : []),
    ...(contents.purges ? ['CloudFront: an invalidation refused or throttled'] : []),
    'EventBridge Scheduler: a schedule refused or throttled',
  ];
  return {
    name: 'Outbox',
    queue,
    remedy: `The outbox could not handle ${objects.join(' or ')} after every retry; the object is still in the outbox bucket and its failure record in the outbox failure queue. ` +
      `Read the outbox sender's log for the error (${errors.join('; ')}) and fix it. ` +
      'Then run the object again by copying it onto itself, and delete the record from the queue.',
  };
}

/** The alarm fires, and notifies again when it recovers, after `evaluationPeriods` breaching periods in a row. */
function createAlarm(scope: Construct, definition: AlarmDefinition, action: cloudwatch.IAlarmAction): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, definition.id, {
    metric: definition.metric,
    threshold: definition.threshold,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: definition.evaluationPeriods,
    datapointsToAlarm: definition.evaluationPeriods,
    // An idle site publishes no request metrics and a paused database no connections: neither is a fault.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    evaluateLowSampleCountPercentile: definition.evaluateLowSampleCountPercentile,
    alarmDescription: definition.description,
  });
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/** A topic only CloudWatch alarms of this account publish to, over TLS only; subscribe to it to be told. */
function createAlarmTopic(scope: Construct): sns.Topic {
  const topic = new sns.Topic(scope, 'AlarmTopic', { displayName: 'Wagtail CMS alarms', enforceSSL: true });
  // The policy that enforces TLS replaces SNS's default one, so CloudWatch is let in explicitly.
  topic.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
  }));
  suppressNagFindings(topic.node.defaultChild!, [{
    id: 'AwsSolutions-SNS2',
    reason: 'CloudWatch can publish to an encrypted topic only with a customer managed KMS key ($1 a month, more once rotated: ' +
      'most of the Lambda stack\'s idle bill); alarm notifications carry alarm names and metric values, nothing confidential. ' +
      'monitoring.alarmAction routes the alarms to an encrypted topic of your own.',
  }]);
  return topic;
}
