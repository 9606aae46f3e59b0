import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * A value the container receives as an environment variable without it ever appearing in plain text in the
 * service's configuration: a Secrets Manager secret (or one JSON field of it) or an SSM parameter.
 */
export abstract class EnvironmentSecret {
  /**
   * A Secrets Manager secret; with `field`, only that top-level field of its JSON value.
   * @param field the JSON field to inject; must not contain ':'
   */
  public static fromSecretsManager(secret: secretsmanager.ISecret, field?: string): EnvironmentSecret {
    if (field !== undefined && (field.length === 0 || field.includes(':'))) {
      throw new Error(`EnvironmentSecret.fromSecretsManager field must be a non-empty JSON key without ':'; got '${field}'`);
    }
    return new SecretsManagerValue(secret, field);
  }

  /**
   * An SSM Parameter Store parameter in the stack's region: String or SecureString on App Runner; String only on
   * Lambda, where CloudFormation resolves it at deployment (it cannot resolve SecureString into a function's
   * environment: keep such values in Secrets Manager).
   */
  public static fromSsmParameter(parameter: ssm.IParameter): EnvironmentSecret {
    return new ParameterValue(parameter);
  }

  /** The reference App Runner resolves when an instance starts. */
  public abstract readonly reference: string;

  /** Lets `grantee` read the value (and decrypt it where a customer key is known). */
  public abstract grantRead(grantee: iam.IGrantable): void;

  /**
   * A CloudFormation dynamic reference to the value, resolved at deployment into an encrypted environment (Lambda,
   * which cannot call Secrets Manager from an isolated subnet).
   * @internal
   */
  public abstract _dynamicReference(): string;
}

class SecretsManagerValue extends EnvironmentSecret {
  public readonly reference: string;

  constructor(private readonly secret: secretsmanager.ISecret, private readonly field?: string) {
    super();
    // The form App Runner and ECS take for one JSON key of a secret: <secret ARN>:<key>:<version stage>:<version id>.
    this.reference = field === undefined ? secret.secretArn : `${secret.secretArn}:${field}::`;
  }

  public grantRead(grantee: iam.IGrantable): void {
    this.secret.grantRead(grantee);
  }

  /** @internal */
  public _dynamicReference(): string {
    return `{{resolve:secretsmanager:${this.secret.secretArn}:SecretString:${this.field ?? ''}::}}`;
  }
}

class ParameterValue extends EnvironmentSecret {
  public readonly reference: string;

  constructor(private readonly parameter: ssm.IParameter) {
    super();
    this.reference = parameter.parameterArn;
  }

  public grantRead(grantee: iam.IGrantable): void {
    this.parameter.grantRead(grantee);
  }

  /** @internal CloudFormation resolves String parameters anywhere; SecureString ones only in a few properties. */
  public _dynamicReference(): string {
    return `{{resolve:ssm:${this.parameter.parameterName}}}`;
  }
}
