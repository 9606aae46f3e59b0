import { Duration } from 'aws-cdk-lib';

/** App Runner's HTTP health check. It must never touch the database: it runs all the time. */
export interface HealthCheckOptions {
  /**
   * Path of the health check.
   * @default '/healthz'
   */
  readonly path?: string;
  /**
   * Time between checks, 1-20 seconds.
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;
  /**
   * Time to wait for an answer, 1-20 seconds.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * Consecutive successes before an instance counts as healthy, 1-20.
   * @default 1
   */
  readonly healthyThreshold?: number;
  /**
   * Consecutive failures before an instance counts as unhealthy, 1-20. The default leaves a new instance about
   * 100 s to run its first migrations before it must answer.
   * @default 10
   */
  readonly unhealthyThreshold?: number;
}

/** The App Runner service: provisioned instances, one kept warm (billed for its memory while idle). */
export interface AppRunnerOptions {
  /**
   * vCPUs of one instance: '0.25 vCPU', '0.5 vCPU', '1 vCPU', '2 vCPU' or '4 vCPU', paired with an allowed `memory`.
   * gunicorn runs 2 workers per vCPU, at least 2.
   * @default '0.5 vCPU'
   */
  readonly cpu?: string;
  /**
   * Memory of one instance; allowed pairs: 0.25 vCPU with '0.5 GB' or '1 GB'; 0.5 vCPU with '1 GB'; 1 vCPU with
   * '2 GB', '3 GB' or '4 GB'; 2 vCPU with '4 GB' or '6 GB'; 4 vCPU with '8 GB', '10 GB' or '12 GB'. It must hold
   * the workers `cpu` brings (0.25 vCPU / 0.5 GB cannot: 2 workers need up to 750 MiB).
   * @default '1 GB'
   */
  readonly memory?: string;
  /**
   * Instances kept provisioned (App Runner bills an idle one for its memory only); 1-25.
   * @default 1
   */
  readonly minInstances?: number;
  /**
   * Most instances App Runner starts under load; 1-25, at least `minInstances`, within the connection budget.
   * @default 25
   */
  readonly maxInstances?: number;
  /**
   * Concurrent requests one instance takes before App Runner adds another; 1-200.
   * @default 100
   */
  readonly maxConcurrency?: number;
  /**
   * App Runner's health check.
   * @default - HTTP GET /healthz every 10 s
   */
  readonly healthCheck?: HealthCheckOptions;
}

/** A Lambda function behind a Function URL: nothing runs, and nothing is billed, while nobody uses the site. */
export interface LambdaFunctionOptions {
  /**
   * Memory of the function in MB, 512-10,240; Lambda gives it CPU in proportion (1,769 MB is one vCPU).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Requests served at the same time at most: the function's reserved concurrency, 1-1,000, within the connection
   * budget (each request holds at most one database connection). Lambda keeps 10 of an account's concurrency
   * unreserved, so an account whose quota is 10 (new accounts may start there) can reserve none: ask for a quota
   * increase, or set `reserveConcurrency` to false.
   * @default 20
   */
  readonly maxConcurrency?: number;
  /**
   * Whether `maxConcurrency` is reserved for the function, and 5 for the outbox sender. Without a reservation the
   * function takes what the account has free, and `maxConcurrency` is only the figure the connection budget is checked
   * against.
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * Longest a request (or the migrations of a deployment) may run, 30 s to 15 minutes; it must cover Aurora's
   * resume (up to about 30 s).
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
}

/** Where the site runs: App Runner (the default, for accounts that have it) or Lambda (any account, zero when idle). */
export class WagtailCompute {
  /** App Runner with a VPC connector and auto scaling; needs an account that already uses App Runner. */
  public static appRunner(options: AppRunnerOptions = {}): WagtailCompute {
    return new WagtailCompute(options, undefined);
  }

  /** A container-image Lambda function in the VPC behind a Function URL; any account, nothing billed while idle. */
  public static lambdaFunction(options: LambdaFunctionOptions = {}): WagtailCompute {
    return new WagtailCompute(undefined, options);
  }

  /** The App Runner choice's options; undefined for Lambda. */
  public readonly appRunnerOptions?: AppRunnerOptions;
  /** The Lambda choice's options; undefined for App Runner. */
  public readonly lambdaFunctionOptions?: LambdaFunctionOptions;

  private constructor(appRunnerOptions?: AppRunnerOptions, lambdaFunctionOptions?: LambdaFunctionOptions) {
    this.appRunnerOptions = appRunnerOptions;
    this.lambdaFunctionOptions = lambdaFunctionOptions;
  }
}
