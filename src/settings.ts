import { Duration, Token } from 'aws-cdk-lib';
import { AppRunnerOptions, LambdaFunctionOptions, WagtailCompute } from './compute/wagtail-compute';
import { checkConnectionBudget } from './connection-budget';
import { checkCloudFrontCertificate } from './content-delivery';
import { CONTRACT } from './contract';
import { EmailOptions } from './email-options';
import { checkInstanceSize, workersFor } from './instance-size';
import { MonitoringSettings, resolveMonitoring } from './monitoring/monitoring-settings';
import { RuntimeDefaults } from './runtime-defaults';
import { checkInteger, checkNotBelow, checkRange, invalid } from './validation';
import type { WagtailScaleToZeroProps } from './wagtail-scale-to-zero-props';

/** The App Runner choice, defaulted and checked. */
export interface AppRunnerSettings {
  readonly kind: 'appRunner';
  readonly cpu: string;
  readonly memory: string;
  /** gunicorn workers per instance, derived from `cpu`. */
  readonly webConcurrency: number;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly maxConcurrency: number;
  readonly healthCheckPath: string;
  readonly healthCheckInterval: number;
  readonly healthCheckTimeout: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

/** The Lambda choice, defaulted and checked. */
export interface LambdaFunctionSettings {
  readonly kind: 'lambdaFunction';
  readonly memorySize: number;
  readonly maxConcurrency: number;
  readonly reserveConcurrency: boolean;
  readonly timeout: Duration;
}

/** The compute's choice, told apart by `kind`. */
export type ComputeSettings = AppRunnerSettings | LambdaFunctionSettings;

/** Every prop with a range, defaulted and checked before any resource is created. */
export interface ResolvedSettings {
  /** App Runner or Lambda. */
  readonly compute: ComputeSettings;
  /** Database connections one unit of scale opens at most: an App Runner instance, or one Lambda request. */
  readonly connectionsPerInstance: number;
  /** Units of scale at most: App Runner instances, or concurrent Lambda requests. */
  readonly maxInstances: number;
  /**
   * Whether the site's functions reserve concurrency: the Lambda compute's choice, always on App Runner. An account
   * that cannot reserve concurrency for the site (quota 10) cannot for the outbox sender or the operator either.
   */
  readonly reserveConcurrency: boolean;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly autoPause?: Duration;
  readonly imagesToKeep: number;
  readonly databaseName: string;
  readonly adminUsername: string;
  /** Whether CloudFront stands in front of the compute. */
  readonly cdn: boolean;
  /** Whether a web ACL is created (not given by ARN). */
  readonly createsWebAcl: boolean;
  /** Alarms and dashboard on or off, and the failure queues the alarms watch. */
  readonly monitoring: MonitoringSettings;
}

export function resolveSettings(props: WagtailScaleToZeroProps, runtime: RuntimeDefaults): ResolvedSettings {
  const minCapacity = props.database?.minCapacity ?? 0;
  const maxCapacity = props.database?.maxCapacity ?? 4;
  checkRange('database.minCapacity', minCapacity, 0, 256, ' ACU');
  checkHalfSteps('database.minCapacity', minCapacity);
  checkRange('database.maxCapacity', maxCapacity, 1, 256, ' ACU');
  checkHalfSteps('database.maxCapacity', maxCapacity);
  checkNotBelow('database.maxCapacity', maxCapacity, 'database.minCapacity', minCapacity);
  const autoPause = resolveAutoPause(props.database?.autoPause, minCapacity);
  if (props.database?.backupRetention) {
    checkRange('database.backupRetention', props.database.backupRetention.toDays(), 1, 35, ' days');
  }

  const imagesToKeep = props.imagesToKeep ?? 10;
  checkInteger('imagesToKeep', imagesToKeep);
  checkRange('imagesToKeep', imagesToKeep, 1, 1000);

  // Every variable the construct sets itself (the contract's); `environment` and `environmentSecrets` may use none.
  const reservedNames = Object.keys(CONTRACT.environment);
  checkEnvironmentNames('environment', Object.keys(props.environment ?? {}), reservedNames);
  checkEnvironmentNames('environmentSecrets', Object.keys(props.environmentSecrets ?? {}), reservedNames);
  const plainSecrets = CONTRACT.secretSiteEnvironment.filter((name) => name in (props.environment ?? {}));
  if (plainSecrets.length > 0) {
    invalid(`environment may not set ${plainSecrets.join(', ')}: a plain variable is written into the template; pass it in environmentSecrets`);
  }
  const both = Object.keys(props.environmentSecrets ?? {}).filter((name) => name in (props.environment ?? {}));
  if (both.length > 0) {
    invalid(`${both.join(', ')} may be set in environment or in environmentSecrets, not in both`);
  }
  if (props.email) {
    checkEmailOptions(props.email);
    checkAdminEmail(props.adminEmail);
  }

  const compute = props.compute ?? WagtailCompute.appRunner();
  const cdn = props.cdn ?? true;
  checkFrontDoor(props, cdn, compute.lambdaFunctionOptions !== undefined);
  const common = {
    cdn,
    createsWebAcl: props.webApplicationFirewall !== undefined && props.webApplicationFirewall._webAclArn === undefined,
    minCapacity,
    maxCapacity,
    autoPause,
    imagesToKeep,
    databaseName: props.database?.databaseName ?? 'wagtail',
    adminUsername: props.adminUsername ?? 'admin',
    // The outbox (email, CloudFront purges) brings the one failure queue.
    monitoring: resolveMonitoring(props.monitoring, 1), // the outbox's failure queue: every stack has the outbox
  };
  const settings = compute.lambdaFunctionOptions
    ? withLambdaFunction(common, resolveLambdaFunction(compute.lambdaFunctionOptions))
    : withAppRunner(common, resolveAppRunner(compute.appRunnerOptions ?? {}), runtime);
  const onAppRunner = settings.compute.kind === 'appRunner';
  checkConnectionBudget({
    scaleProp: onAppRunner ? 'appRunner.maxInstances' : 'lambdaFunction.maxConcurrency',
    unit: onAppRunner ? 'instance' : 'request',
    maxInstances: settings.maxInstances,
    connectionsPerInstance: settings.connectionsPerInstance,
    minCapacity,
    maxCapacity,
  });
  return settings;
}

type CommonSettings = Omit<ResolvedSettings, 'compute' | 'maxInstances' | 'connectionsPerInstance' | 'reserveConcurrency'>;

/** One request at a time per execution environment, each closing its connection when it ends. */
function withLambdaFunction(common: CommonSettings, compute: LambdaFunctionSettings): ResolvedSettings {
  return { ...common, compute, maxInstances: compute.maxConcurrency, connectionsPerInstance: 1, reserveConcurrency: compute.reserveConcurrency };
}

/** Each gunicorn thread of each worker holds one pooled connection at most; the functions always reserve concurrency. */
function withAppRunner(common: CommonSettings, compute: AppRunnerSettings, runtime: RuntimeDefaults): ResolvedSettings {
  const connectionsPerInstance = compute.webConcurrency * runtime.GUNICORN_THREADS;
  return { ...common, compute, maxInstances: compute.maxInstances, connectionsPerInstance, reserveConcurrency: true };
}

/** Database connections the whole site opens at full scale; undefined when that is only known at deployment. */
export function maxDatabaseConnections(settings: ResolvedSettings): number | undefined {
  return Token.isUnresolved(settings.maxInstances) ? undefined : settings.maxInstances * settings.connectionsPerInstance;
}

function resolveAppRunner(options: AppRunnerOptions): AppRunnerSettings {
  const minInstances = options.minInstances ?? 1;
  const maxInstances = options.maxInstances ?? 25;
  const maxConcurrency = options.maxConcurrency ?? 100;
  for (const [prop, value, min, max] of [
    ['appRunner.minInstances', minInstances, 1, 25],
    ['appRunner.maxInstances', maxInstances, 1, 25],
    ['appRunner.maxConcurrency', maxConcurrency, 1, 200],
  ] as Array<[string, number, number, number]>) {
    checkInteger(prop, value);
    checkRange(prop, value, min, max);
  }
  checkNotBelow('appRunner.maxInstances', maxInstances, 'appRunner.minInstances', minInstances);

  const cpu = options.cpu ?? '0.5 vCPU';
  const memory = options.memory ?? '1 GB';
  checkInstanceSize(cpu, memory);

  const health = options.healthCheck ?? {};
  const healthCheckInterval = health.interval?.toSeconds() ?? 10;
  const healthCheckTimeout = health.timeout?.toSeconds() ?? 5;
  const healthyThreshold = health.healthyThreshold ?? 1;
  const unhealthyThreshold = health.unhealthyThreshold ?? 10;
  checkRange('appRunner.healthCheck.interval', healthCheckInterval, 1, 20, ' s');
  checkRange('appRunner.healthCheck.timeout', healthCheckTimeout, 1, 20, ' s');
  checkRange('appRunner.healthCheck.healthyThreshold', healthyThreshold, 1, 20);
  checkRange('appRunner.healthCheck.unhealthyThreshold', unhealthyThreshold, 1, 20);

  return {
    kind: 'appRunner',
    cpu,
    memory,
    webConcurrency: workersFor(cpu),
    minInstances,
    maxInstances,
    maxConcurrency,
    healthCheckPath: health.path ?? '/healthz',
    healthCheckInterval,
    healthCheckTimeout,
    healthyThreshold,
    unhealthyThreshold,
  };
}

function resolveLambdaFunction(options: LambdaFunctionOptions): LambdaFunctionSettings {
  const memorySize = options.memorySize ?? 1024;
  const maxConcurrency = options.maxConcurrency ?? 20;
  const timeout = options.timeout ?? Duration.minutes(2);
  checkInteger('lambdaFunction.memorySize', memorySize);
  checkRange('lambdaFunction.memorySize', memorySize, 512, 10240, ' MB');
  checkInteger('lambdaFunction.maxConcurrency', maxConcurrency);
  checkRange('lambdaFunction.maxConcurrency', maxConcurrency, 1, 1000);
  checkRange('lambdaFunction.timeout', timeout.toSeconds(), 30, 900, ' s');
  return { kind: 'lambdaFunction', memorySize, maxConcurrency, reserveConcurrency: options.reserveConcurrency ?? true, timeout };
}

/** Environment names must be valid shell names, not ones the construct sets, and not App Runner's own PORT. */
function checkEnvironmentNames(prop: string, names: string[], reservedNames: string[]): void {
  const badNames = names.filter((name) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name));
  if (badNames.length > 0) {
    invalid(`${prop} names must be letters, digits and underscores, not starting with a digit; got ${badNames.join(', ')}`);
    return;
  }
  const reserved = names.filter((name) => reservedNames.includes(name));
  if (reserved.length > 0) {
    invalid(`${prop} may not set ${reserved.join(', ')}: the construct sets these itself`);
  }
}

function checkHalfSteps(prop: string, value: number): void {
  if (!Token.isUnresolved(value) && !Number.isInteger(value * 2)) {
    invalid(`${prop} must be a multiple of 0.5 ACU; got ${value}`);
  }
}

/** Auto-pause exists only at minimum capacity 0; it defaults to 300 s there. */
function resolveAutoPause(autoPause: Duration | undefined, minCapacity: number): Duration | undefined {
  if (autoPause === undefined) {
    return minCapacity === 0 ? Duration.seconds(300) : undefined;
  }
  if (!Token.isUnresolved(minCapacity) && minCapacity !== 0) {
    invalid(`database.autoPause only applies when database.minCapacity is 0 (the database pauses only at zero capacity); got minCapacity ${minCapacity}`);
    return;
  }
  checkRange('database.autoPause', autoPause.toSeconds(), 300, 86400, ' s');
  return autoPause;
}

/** What needs CloudFront: a certificate, and on Lambda a zone, a custom domain or a firewall; a zone needs a domain. */
function checkFrontDoor(props: WagtailScaleToZeroProps, cdn: boolean, onLambda: boolean): void {
  if (cdn) {
    if ((props.certificate !== undefined || props.hostedZone !== undefined) && props.domainName === undefined) {
      invalid('certificate and hostedZone are for domainName: set domainName too, or remove them');
      return;
    }
    if (props.certificate) {
      checkCloudFrontCertificate(props.certificate);
    }
    return;
  }
  if (props.certificate !== undefined) {
    invalid('certificate serves the custom domain on CloudFront; without it App Runner makes its own: remove certificate, or leave cdn on (true, the default)');
    return;
  }
  if (onLambda && props.hostedZone !== undefined) {
    invalid('hostedZone serves the custom domain on CloudFront, which the Lambda compute needs for one (a Function URL has no custom domain): leave cdn on (true, the default), or remove hostedZone');
    return;
  }
  if (props.hostedZone !== undefined && props.domainName === undefined) {
    invalid('hostedZone is for domainName: set domainName too, or remove hostedZone');
    return;
  }
  if (onLambda && props.domainName !== undefined) {
    invalid('domainName needs CloudFront in front of the Lambda compute (a Function URL has no custom domain): leave cdn on (true, the default), or remove domainName');
    return;
  }
  if (onLambda && props.webApplicationFirewall !== undefined) {
    invalid('webApplicationFirewall needs CloudFront in front of the Lambda compute (a Function URL takes no web ACL): leave cdn on (true, the default), or remove webApplicationFirewall');
  }
}

const EMAIL_ADDRESS = /^[^@\s]+@([a-z0-9-]+\.)+[a-z]{2,}$/i;

/** Fails synth unless `email` names a sender address and an identity that may send as it. */
/** With email on, the first admin's address is where its password resets go: it must be a real one. */
function checkAdminEmail(adminEmail: string | undefined): void {
  if (adminEmail === undefined) {
    invalid('adminEmail is required with email: the first administrator\'s password-reset emails go there '
      + '(an address such as you@example.org that you read)');
    return;
  }
  if (!Token.isUnresolved(adminEmail) && !EMAIL_ADDRESS.test(adminEmail)) {
    invalid(`adminEmail must be an email address such as you@example.org; got '${adminEmail}'`);
  }
}

function checkEmailOptions(email: EmailOptions): void {
  if (Token.isUnresolved(email.fromAddress)) {
    if (email.identity === undefined) {
      invalid('email.identity is required when email.fromAddress is only known at deployment');
      return;
    }
    return;
  }
  if (!EMAIL_ADDRESS.test(email.fromAddress)) {
    invalid(`email.fromAddress must be an email address such as cms@example.org; got '${email.fromAddress}'`);
    return;
  }
  if (email.identity === undefined) {
    return;
  }
  const address = email.fromAddress.toLowerCase();
  const identity = email.identity.toLowerCase();
  const domain = address.split('@')[1];
  if (identity !== address && identity !== domain && !domain.endsWith(`.${identity}`)) {
    invalid(`email.identity must be email.fromAddress (${email.fromAddress}), its domain (${domain}) or a parent domain of it; got '${email.identity}'`);
  }
}
