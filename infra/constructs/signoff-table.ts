/**
 * A DynamoDB table from its definition in `functions/adapters/tables.ts`, with the house
 * defaults: on-demand, point-in-time recovery, deletion protection, retained on stack delete.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type Attribute as CdkAttribute,
  type StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { KeyDef, TableDef } from '../../functions/adapters/tables.ts';

function attribute(key: KeyDef): CdkAttribute {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

/** A signoff table: its keys and global secondary indexes come from the shared definition; a stream when asked. */
export class SignoffTable extends Construct {
  readonly table: Table;
  /** The ARNs of the table's indexes, one per index (for IAM without wildcards). */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string, def: TableDef, options: { stream?: StreamViewType } = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      ...(options.stream ? { stream: options.stream } : {}),
      partitionKey: attribute(def.partitionKey),
      ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of def.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      });
    }
    this.indexArns = def.indexes.map((index) => `${this.table.tableArn}/index/${index.name}`);
  }
}
