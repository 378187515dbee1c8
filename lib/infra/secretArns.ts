// Exactly the secrets a function may read: the names referenced by the part of the fleet
// it runs, as Secrets Manager ARNs. Secrets Manager appends a random 6-character suffix to
// every secret ARN, so the resource (never the action) ends in `-??????`.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export function secretArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${name}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
