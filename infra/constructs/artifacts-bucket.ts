/**
 * The S3 bucket for run artifacts (plans, saved plans, summaries, build logs): encrypted,
 * private, TLS only, versioned, with server access logs and old runs expiring.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
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

  constructor(scope: Construct, id: string, props: ArtifactsBucketProps) {
    super(scope, id);
    const secure = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...secure,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
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
