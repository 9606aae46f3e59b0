import { MonitoringOptions } from './monitoring-options';

/** The monitoring choice, defaulted. */
export interface MonitoringSettings {
  readonly alarms: boolean;
  readonly dashboard: boolean;
  /** Queues of failed deliveries the construct creates (the outbox's): one alarm each. */
  readonly failureQueues: number;
}

/** Defaults `monitoring` and counts the failure queues the other props bring. */
export function resolveMonitoring(options: MonitoringOptions | undefined, failureQueues: number): MonitoringSettings {
  return { alarms: options?.alarms ?? true, dashboard: options?.dashboard ?? true, failureQueues };
}
