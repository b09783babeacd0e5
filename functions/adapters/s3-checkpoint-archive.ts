/**
 * Audit checkpoints in an S3 bucket with Object Lock: `checkpoints/<n, 10 digits>.json`. The
 * bucket's default retention (compliance mode) locks every version when it is written, so no
 * one, the account's root user included, can delete or overwrite it until the retention ends
 * (Amazon S3 User Guide, "Locking objects with Object Lock", "Retention modes").
 *
 * The writer sends no Object Lock headers: the bucket's default retention applies, and a PUT
 * with `x-amz-object-lock-*` headers would also need s3:PutObjectRetention (User Guide, "Object
 * Lock considerations", "Permissions"). Every PUT to a bucket with a default retention must carry
 * Content-MD5 or an x-amz-sdk-checksum-algorithm (PutObject API reference, "Content-MD5"): this
 * sends both.
 *
 * A PUT on an existing key adds a version on top of the locked one. So the archive reads every
 * version of each key and takes the oldest, the one written first, which no later PUT can change.
 */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { AuditCheckpoint } from '../core/audit/audit-checkpoint.ts';
import type { CheckpointArchive } from '../core/ports.ts';

/** Key prefix of the checkpoints in the archive bucket. */
export const CHECKPOINTS_PREFIX = 'checkpoints/';
/**
 * The prefix the listing asks for: without the slash, because moto 5.2 answers
 * SignatureDoesNotMatch to a ListObjectVersions whose prefix holds one; the bucket holds
 * nothing but checkpoints, and keys outside CHECKPOINTS_PREFIX are skipped.
 */
export const CHECKPOINTS_LIST_PREFIX = 'checkpoints';

/** The object key of checkpoint `n`. */
export function checkpointKey(n: number): string {
  return `${CHECKPOINTS_PREFIX}${String(n).padStart(10, '0')}.json`;
}

/** A CheckpointArchive in one Object Lock bucket. */
export class S3CheckpointArchive implements CheckpointArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(checkpoint: AuditCheckpoint): Promise<void> {
    const body = JSON.stringify(checkpoint);
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: checkpointKey(checkpoint.n),
        Body: body,
        ContentType: 'application/json',
        ContentMD5: createHash('md5').update(body).digest('base64'),
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  /** The first-written version of every checkpoint key (s3:ListBucketVersions, s3:GetObjectVersion). */
  async list(): Promise<AuditCheckpoint[]> {
    const oldest = new Map<string, string>();
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: CHECKPOINTS_LIST_PREFIX,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      );
      // A key's versions come newest first (ListObjectVersions API reference), so the last one
      // seen is the oldest; LastModified has only second precision and cannot order them.
      for (const v of page.Versions ?? []) {
        if (v.Key?.startsWith(CHECKPOINTS_PREFIX) && v.VersionId) oldest.set(v.Key, v.VersionId);
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    const out: AuditCheckpoint[] = [];
    for (const [key, versionId] of [...oldest].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }),
      );
      out.push(JSON.parse((await object.Body?.transformToString('utf8')) ?? '{}') as AuditCheckpoint);
    }
    return out;
  }
}
