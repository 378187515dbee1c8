// Where browser checks in AWS keep their failure screenshots (and traces): one private,
// encrypted bucket per region, objects expiring after a set number of days. A probe may only
// put objects under its own prefix; nobody outside the account can read them.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARTIFACT_PREFIX } from '../runner/browserArtifacts.js';

export { ARTIFACT_PREFIX, artifactKey } from '../runner/browserArtifacts.js';

/** Objects are kept this long unless the fleet says otherwise. */
export const DEFAULT_ARTIFACT_RETENTION_DAYS = 30;


export interface BrowserArtifactsProps {
  /** Days until a screenshot or trace is deleted (default 30, at least 1). */
  retentionDays?: number;
}

export class BrowserArtifacts extends Construct {
  readonly bucket: Bucket;
  readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: BrowserArtifactsProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? DEFAULT_ARTIFACT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new Error(`BrowserArtifacts retentionDays: expected an integer of at least 1 (S3 expiration is in whole days), received ${String(retentionDays)}`);
    }
    this.retentionDays = retentionDays;
    this.bucket = new Bucket(this, 'Bucket', {
      // Screenshots can show customer-facing pages of production: encrypted at rest
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html),
      // never public (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html),
      // and only over TLS: enforceSSL denies requests without aws:SecureTransport
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html).
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // ACLs disabled: the bucket owner owns every object a probe writes
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html).
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Expiration counts whole days from an object's creation, rounded to the next midnight UTC
      // (https://repost.aws/knowledge-center/s3-lifecycle-rule-delay); S3 then queues the object
      // and removes it asynchronously
      // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html).
      lifecycleRules: [
        { id: 'expire-browser-artifacts', prefix: ARTIFACT_PREFIX, expiration: Duration.days(retentionDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // Deleting the stack must not delete evidence an incident review may still need; the
      // lifecycle rule empties the bucket over time.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lets a probe function write (never read or list) artifacts under the prefix. */
  grantWrite(grantee: IGrantable): void {
    this.bucket.grantPut(grantee, `${ARTIFACT_PREFIX}*`);
  }
}

/**
 * The S3 console folder of one check's screenshots, for the alarm message: a person who is
 * paged opens it and sees the newest failure first (the console sorts by name within a day).
 */
export function artifactsConsoleUrl(bucketName: string, region: string, checkId: string): string {
  return `https://${region}.console.aws.amazon.com/s3/buckets/${encodeURIComponent(bucketName)}?region=${region}&prefix=${encodeURIComponent(`${ARTIFACT_PREFIX}${checkId}/`)}`;
}
