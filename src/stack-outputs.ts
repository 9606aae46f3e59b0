import { CfnOutput } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { OPERATOR_FUNCTION_OUTPUT } from './operator-output';

/** What the stack's outputs name. */
export interface StackOutputParts {
  readonly serviceUrl: string;
  /** @default - no output without CloudFront */
  readonly distribution?: cloudfront.IDistribution;
  readonly operatorFunction: lambda.IFunction;
  readonly databaseSecret: secretsmanager.ISecret;
  /** @default - no output without email */
  readonly emailFailureQueue?: sqs.IQueue;
}

/** The outputs an operator needs after `cdk deploy`, as the scope's own (their ids are the output keys' start). */
export function addStackOutputs(scope: Construct, parts: StackOutputParts): void {
  new CfnOutput(scope, 'ServiceUrl', { value: parts.serviceUrl, description: 'URL of the Wagtail CMS' });
  if (parts.distribution) {
    new CfnOutput(scope, 'DistributionDomainName', {
      value: parts.distribution.distributionDomainName,
      description: 'CloudFront domain of the Wagtail CMS (point a custom domain at it)',
    });
  }
  new CfnOutput(scope, OPERATOR_FUNCTION_OUTPUT, {
    value: parts.operatorFunction.functionName,
    description: 'Function that runs a management command: aws lambda invoke --function-name <this> '
      + '--cli-binary-format raw-in-base64-out --payload \'{"manage": ["check"]}\' result.json',
  });
  new CfnOutput(scope, 'DatabaseSecretArn', {
    value: parts.databaseSecret.secretArn,
    description: 'Secret holding the database credentials, from which the app derives SECRET_KEY and the /readyz token (runtime/README.md, Endpoints)',
  });
  if (parts.emailFailureQueue) {
    new CfnOutput(scope, 'EmailFailureQueueUrl', {
      value: parts.emailFailureQueue.queueUrl,
      description: 'Queue of emails that could not be sent after every retry (the messages stay in the outbox bucket)',
    });
  }
}
