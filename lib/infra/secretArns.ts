// Exactly the secrets a function may read: the names referenced by the part of the fleet
// it runs, as Secrets Manager ARNs. Secrets Manager appends a random 6-character suffix to
// every secret ARN, so the resource (never the action) ends in `-??????`.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { isSecretRef } from '../model/defineFleet.js';

/** Every `{ $secret }` name inside a value, sorted and unique. */
export function secretNamesIn(...values: unknown[]): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (isSecretRef(value)) {
      names.add(value.$secret);
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) walk(item);
    }
  };
  for (const value of values) walk(value);
  return [...names].sort();
}

export function secretArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${name}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
