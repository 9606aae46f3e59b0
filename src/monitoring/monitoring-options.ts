import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** The construct's CloudWatch alarms and dashboard. */
export interface MonitoringOptions {
  /**
   * Whether the construct creates its alarms: server errors and slow responses where traffic enters, the compute
   * and the database at their maximum, connections near the budget, and failed outbox deliveries.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * Where the alarms send their ALARM and OK notifications, e.g. an `SnsAction` on your own (encrypted) topic.
   * @default - an SNS topic the construct creates (`alarmTopic`); subscribe to it
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * Whether the construct creates a CloudWatch dashboard of the same metrics, and of the time the database spent
   * paused. The first three dashboards of an account are free, each further one costs $3 a month.
   * @default true
   */
  readonly dashboard?: boolean;
}
