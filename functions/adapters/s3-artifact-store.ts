import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArtifactStore } from '../core/ports.ts';

function contentTypeOf(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** An ArtifactStore in one S3 bucket; the key is the object key. */
export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Uploads the object; the content type follows the key's extension unless given. */
  async put(key: string, body: string | Uint8Array, contentType?: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType ?? contentTypeOf(key),
      }),
    );
  }

  /**
   * The object's bytes, or undefined when the key does not exist. S3 says a key is missing
   * (404 NoSuchKey) only to a caller allowed s3:ListBucket on the bucket; anyone else gets 403
   * AccessDenied whether the key exists or not (GetObject API reference, "Permissions"), so a 403
   * is never taken for "missing": it throws, naming the grants to check.
   */
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (error instanceof NoSuchKey || name === 'NoSuchKey') return undefined;
      if (name === 'AccessDenied') {
        throw new Error(
          `access denied reading s3://${this.bucket}/${key}: the role needs s3:GetObject on the key and s3:ListBucket on the bucket (without it S3 answers a missing key with 403)`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}
