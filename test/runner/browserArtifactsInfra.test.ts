// The bucket for browser artifacts, on the synthesized template: encrypted, private, TLS only,
// expiring, and writable (not readable) by the probe.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { BrowserArtifacts, artifactKey, artifactsConsoleUrl } from '../../lib/infra/browserArtifacts.js';

function synth(retentionDays?: number): Template {
  const stack = new Stack(new App(), 'Artifacts', { env: { region: 'eu-west-1' } });
  const artifacts = new BrowserArtifacts(stack, 'BrowserArtifacts', retentionDays === undefined ? {} : { retentionDays });
  artifacts.grantWrite(new Role(stack, 'Probe', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }));
  return Template.fromStack(stack);
}

describe('BrowserArtifacts', () => {
  it('is encrypted, private, ACL-free and expires artifacts after the retention', () => {
    const template = synth(14);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Id: 'expire-browser-artifacts', Prefix: 'browser/', ExpirationInDays: 14, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
        ]),
      },
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('denies requests without TLS and lets the probe put, not get, under browser/', () => {
    const template = synth();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('s3:PutObject');
    expect(policies).not.toContain('s3:GetObject');
    expect(policies).toContain('/browser/*');
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) } });
  });

  it('refuses a retention S3 cannot express', () => {
    expect(() => synth(0)).toThrow(/retentionDays: expected an integer of at least 1/);
    expect(() => synth(1.5)).toThrow(/received 1.5/);
  });

  it('keys artifacts per check and day; the console link opens the check folder', () => {
    expect(artifactKey('checkout', 'checkout_prod_eu-west-1_r1_attempt1.png', new Date('2026-12-02T19:00:00Z'))).toBe('browser/checkout/2026-12-02/checkout_prod_eu-west-1_r1_attempt1.png');
    expect(artifactsConsoleUrl('my-bucket', 'eu-west-1', 'checkout')).toBe('https://eu-west-1.console.aws.amazon.com/s3/buckets/my-bucket?region=eu-west-1&prefix=browser%2Fcheckout%2F');
  });
});
