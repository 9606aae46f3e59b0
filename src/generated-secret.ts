import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { suppressNagFindings } from './nag-suppressions';

/** A secret whose value Secrets Manager generates (letters and digits), and why it is not rotated automatically. */
export interface GeneratedSecretProps {
  readonly description: string;
  readonly length: number;
  readonly withoutRotationBecause: string;
}

/** Creates a generated secret and records, beside it, why cdk-nag's automatic-rotation finding is accepted. */
export function createGeneratedSecret(scope: Construct, id: string, props: GeneratedSecretProps): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, id, {
    description: props.description,
    generateSecretString: { passwordLength: props.length, excludePunctuation: true },
  });
  suppressNagFindings(secret.node.defaultChild!, [{ id: 'AwsSolutions-SMG4', reason: props.withoutRotationBecause }]);
  return secret;
}
