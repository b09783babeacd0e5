/**
 * The audit archive: an S3 bucket made with Object Lock, whose default retention in compliance
 * mode locks every checkpoint the moment it is written. In compliance mode no user, the
 * account's root user included, can delete a locked version or shorten its retention until it
 * ends (Amazon S3 User Guide, "Locking objects with Object Lock", "Retention modes"); the bucket
 * itself cannot be deleted while it holds objects. Object Lock can only be turned on when a
 * bucket is created (User Guide, "Configuring S3 Object Lock": a bucket made without it needs
 * AWS Support), so this bucket is its own, not a prefix of the artifacts bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectLockRetention,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  CHECKPOINTS_LIST_PREFIX,
  CHECKPOINTS_PREFIX,
} from '../../functions/adapters/s3-checkpoint-archive.ts';

/** Settings of the audit archive. */
export interface AuditArchiveBucketProps {
  /** Days each checkpoint stays locked. */
  retentionDays: number;
  /** Where the bucket's server access logs go. */
  accessLogs: IBucket;
}

/** The bucket of locked audit checkpoints: `checkpoints/<n>.json`. */
export class AuditArchiveBucket extends Construct {
  readonly bucket: Bucket;

  /**
   * What the checkpoint writer may do: s3:PutObject on the checkpoint keys, nothing else. It
   * sends no Object Lock headers (the default retention applies), so it needs no
   * s3:PutObjectRetention, and it cannot delete or read anything.
   */
  static writeStatement(bucket: IBucket): { actions: string[]; resources: string[] } {
    return { actions: ['s3:PutObject'], resources: [bucket.arnForObjects(`${CHECKPOINTS_PREFIX}*`)] };
  }

  /**
   * What verification needs: every version of the checkpoint keys (the first one written is the
   * locked original; a later PUT only adds a version on top), listed under the prefix only.
   */
  static readStatements(bucket: IBucket): {
    actions: string[];
    resources: string[];
    conditions?: { StringLike: { 's3:prefix': string[] } };
  }[] {
    return [
      {
        actions: ['s3:ListBucketVersions'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${CHECKPOINTS_LIST_PREFIX}*`] } },
      },
      { actions: ['s3:GetObjectVersion'], resources: [bucket.arnForObjects(`${CHECKPOINTS_PREFIX}*`)] },
    ];
  }

  constructor(scope: Construct, id: string, props: AuditArchiveBucketProps) {
    super(scope, id);
    // Access logs are delivered by the logs bucket's policy, as for the artifacts bucket (ACLs stay off).
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Object Lock needs versioning (User Guide, "How S3 Object Lock works").
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(props.retentionDays)),
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'audit-archive/',
    });
  }
}
