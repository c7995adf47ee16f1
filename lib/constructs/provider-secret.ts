import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SECRET_PLACEHOLDER as PLACEHOLDER } from '../../functions/core/secret-policy.js';
import type { SecretSpec } from '../topology.js';

/**
 * A provider's credentials as one JSON secret whose keys are the spec's fields. The stack
 * creates it with placeholders; an operator puts the real values in after the first deploy.
 */
export class ProviderSecret extends Construct {
  readonly spec: SecretSpec;
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { readonly spec: SecretSpec }) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    const [generatedField, ...otherFields] = Object.keys(spec.fields).filter((field) => !spec.optionalFields?.includes(field));
    if (!generatedField) throw new Error(`secret ${spec.id} declares no fields`);

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `${spec.description}. Created with placeholders: put the real values under the keys ${Object.keys(spec.fields).join(', ')}.`,
      // CloudFormation only generates a JSON secret with one generated key
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-secretsmanager-secret-generatesecretstring.html),
      // so the other keys start as a fixed placeholder; none of them is a working credential. The
      // functions treat a field still holding the placeholder as unset (functions/core/secret-policy.ts).
      generateSecretString: {
        secretStringTemplate: JSON.stringify(Object.fromEntries(otherFields.map((field) => [field, PLACEHOLDER]))),
        generateStringKey: generatedField,
        excludePunctuation: true,
      },
    });

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `${spec.description}: these credentials are issued by the provider in its own console; a rotation Lambda cannot mint new ones, so they are rotated there and pasted in.`,
    });
  }
}
