/**
 * The S3 bucket for run artifacts (plans, saved plans, summaries, build logs): encrypted,
 * private, TLS only, versioned, with server access logs and old runs expiring.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Settings of the artifacts bucket. */
export interface ArtifactsBucketProps {
  /** Days before a run's artifacts are deleted. */
  retentionDays: number;
}

/** Where run artifacts live: `runs/<run id>/<step id>/...`. */
export class ArtifactsBucket extends Construct {
  /** Key prefix of every run's artifacts. */
  static readonly RUNS_PREFIX = 'runs/';
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  /**
   * `s3:ListBucket` on the artifacts bucket, limited to the run artifacts' prefix, for every role
   * that reads artifacts. Without it S3 answers a GET of a missing key with 403 AccessDenied
   * instead of 404 NoSuchKey (Amazon S3 API Reference, GetObject, "Permissions"), so an optional
   * artifact that was never written (drift.json when nothing drifted) looks like a denied read.
   * The `s3:prefix` condition key limits listing to keys under `runs/` (Amazon S3 User Guide,
   * "Bucket policy examples using condition keys"; Service Authorization Reference, "Actions,
   * resources, and condition keys for Amazon S3": s3:prefix applies to ListBucket).
   */
  static listRunsStatement(bucket: IBucket): {
    actions: string[];
    resources: string[];
    conditions: { StringLike: { 's3:prefix': string[] } };
  } {
    return {
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${ArtifactsBucket.RUNS_PREFIX}*`] } },
    };
  }

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    // S3 delivers access logs by the bucket policy (the log delivery principal) rather than the
    // legacy LogDeliveryWrite ACL, which AWS recommends and which lets ACLs stay disabled.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const secure = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...secure,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(Math.max(props.retentionDays, 365)) }],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        {
          id: 'expire-old-runs',
          prefix: ArtifactsBucket.RUNS_PREFIX,
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(7),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
