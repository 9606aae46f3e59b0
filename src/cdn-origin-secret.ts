import * as path from 'path';
import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONTRACT } from './contract';
import { suppressNagFindings } from './nag-suppressions';

const HANDLER_CODE_DIRECTORY = path.join(__dirname, '..', 'functions', 'cdn-origin-secret');

export interface CdnOriginSecretProps {
  /** The database credentials the value is derived from. */
  readonly databaseSecret: secretsmanager.ISecret;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The value CloudFront sends in `X-Origin-Verify` and the app compares, derived at deployment from the database
 * secret by a custom resource (functions/cdn-origin-secret) instead of kept in a Secrets Manager secret of its own
 * ($0.40 a month). CloudFormation masks it (NoEcho); like the generated secret's value before it, it sits in the
 * distribution's origin configuration and in the compute's environment, and nowhere else.
 */
export class CdnOriginSecret extends Construct {
  /** The value: a token that CloudFormation resolves at deployment. */
  public readonly value: string;

  constructor(scope: Construct, id: string, props: CdnOriginSecretProps) {
    super(scope, id);
    const handler = new lambda.Function(this, 'Handler', {
      description: 'Derives the value CloudFront sends to the Wagtail CMS in X-Origin-Verify from the database secret',
      runtime: lambda.Runtime.PYTHON_3_14,
      architecture: lambda.Architecture.ARM_64,
      handler: 'cdn_origin_secret.handler',
      code: lambda.Code.fromAsset(HANDLER_CODE_DIRECTORY, { exclude: ['__pycache__', '*.pyc'] }),
      memorySize: 128,
      timeout: Duration.minutes(1),
      logGroup: new logs.LogGroup(this, 'HandlerLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    });
    props.databaseSecret.grantRead(handler);
    suppressNagFindings(handler, [
      { id: 'AwsSolutions-IAM4', reason: 'AWSLambdaBasicExecutionRole only lets the handler write its own logs.' },
    ]);
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.functionArn,
      resourceType: 'Custom::CdnOriginSecret',
      properties: { DatabaseSecretArn: props.databaseSecret.secretArn, Message: CONTRACT.cdnOriginMessage },
    });
    this.value = resource.getAttString('Value');
  }
}
