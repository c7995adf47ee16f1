import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeySpec, TableSpec } from '../topology.js';

/** An on-demand table with point-in-time recovery, kept when the stack goes away. */
export class TopologyTable extends Construct {
  readonly spec: TableSpec;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: { readonly spec: TableSpec }) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: attribute(spec.partitionKey),
      ...(spec.sortKey ? { sortKey: attribute(spec.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const index of spec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}

function attribute(key: KeySpec): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}
