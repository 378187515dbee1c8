import { describe, it, expect, afterAll } from 'vitest';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { FAKE_CREDENTIALS, startFakeAws, throttling, queryToObject, decodeAwsRequest } from '../support/fakeAws.js';

const aws = await startFakeAws({ secrets: { 'db-password': 'pa55word' } });
afterAll(() => aws.close());

describe('fake AWS endpoint against the real SDK', () => {
  it('decodes a CloudWatch PutMetricData as JSON 1.0 with the Granite target', async () => {
    const cw = new CloudWatchClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
    await cw.send(new PutMetricDataCommand({ Namespace: 'N', MetricData: [{ MetricName: 'M', Value: 1, Unit: 'Count' }] }));
    const req = aws.requests.at(-1)!;
    expect(req).toMatchObject({ service: 'monitoring', operation: 'PutMetricData', protocol: 'json', region: 'eu-west-1', gzip: false });
    expect(req.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.PutMetricData');
    expect(req.headers['content-type']).toBe('application/x-amz-json-1.0');
    // Query-compatible mode: the service answers errors with Query error codes.
    expect(req.headers['x-amzn-query-mode']).toBe('true');
    expect(req.body).toEqual({ Namespace: 'N', MetricData: [{ MetricName: 'M', Value: 1, Unit: 'Count' }] });
    cw.destroy();
  });

  it('gunzips large bodies', async () => {
    const cw = new CloudWatchClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
    const MetricData = Array.from({ length: 300 }, (_, i) => ({ MetricName: `Metric${i}`, Values: [1, 2, 3], Counts: [1, 1, 1], Unit: 'Milliseconds' as const }));
    await cw.send(new PutMetricDataCommand({ Namespace: 'N', MetricData }));
    const req = aws.requests.at(-1)!;
    expect(req.gzip).toBe(true);
    expect(req.headers['content-encoding']).toBe('gzip');
    expect((req.body as { MetricData: unknown[] }).MetricData).toHaveLength(300);
    cw.destroy();
  });

  it('throttling reaches the SDK as a throttling error', async () => {
    const local = await startFakeAws({ respond: () => throttling() });
    try {
      const cw = new CloudWatchClient({ region: 'eu-west-1', endpoint: local.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
      const error = await cw.send(new PutMetricDataCommand({ Namespace: 'N', MetricData: [{ MetricName: 'M', Value: 1 }] })).catch((e: unknown) => e);
      // The query-compatible header's code wins over the JSON __type.
      expect((error as Error).name).toBe('Throttling');
      expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
      cw.destroy();
    } finally {
      await local.close();
    }
  });

  it('answers GetSecretValue from the map', async () => {
    const sm = new SecretsManagerClient({ region: 'eu-west-1', endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
    const out = await sm.send(new GetSecretValueCommand({ SecretId: 'db-password' }));
    expect(out.SecretString).toBe('pa55word');
    const req = aws.requests.at(-1)!;
    expect(req).toMatchObject({ service: 'secretsmanager', operation: 'GetSecretValue', protocol: 'json' });
    expect(req.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(req.headers['content-type']).toBe('application/x-amz-json-1.1');
    const missing = await sm.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect((missing as Error).name).toBe('ResourceNotFoundException');
    sm.destroy();
  });

  it('decodes the Query protocol and nests members', () => {
    const body = Buffer.from('Action=PutMetricData&Version=2010-08-01&Namespace=N&MetricData.member.1.MetricName=M&MetricData.member.1.Dimensions.member.1.Name=Fleet&MetricData.member.1.Dimensions.member.1.Value=f');
    const req = decodeAwsRequest({ 'content-type': 'application/x-www-form-urlencoded' }, '/', body);
    expect(req).toMatchObject({ protocol: 'query', operation: 'PutMetricData' });
    expect(queryToObject(req.body as Record<string, string>)).toEqual({
      Action: 'PutMetricData', Version: '2010-08-01', Namespace: 'N',
      MetricData: [{ MetricName: 'M', Dimensions: [{ Name: 'Fleet', Value: 'f' }] }],
    });
  });
});

describe('fake AWS endpoint: the Query protocol with a real Query client', () => {
  it('decodes an STS AssumeRole form and answers XML the SDK parses, errors included', async () => {
    const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/nested-clients/sts');
    let fail = true;
    const local = await startFakeAws({
      respond: (req) => {
        if (req.operation !== 'AssumeRole') return undefined;
        if (fail) {
          fail = false;
          return throttling();
        }
        return {
          xml: '<Credentials><AccessKeyId>ASIAFAKE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>',
        };
      },
    });
    const sts = new STSClient({ region: 'eu-west-1', endpoint: local.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 1 });
    try {
      const input = { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's' };
      const error = await sts.send(new AssumeRoleCommand(input)).catch((e: unknown) => e);
      expect((error as Error).name).toBe('Throttling');
      const out = await sts.send(new AssumeRoleCommand(input));
      expect(out.Credentials?.AccessKeyId).toBe('ASIAFAKE');
      expect(out.AssumedRoleUser?.Arn).toBe('arn:aws:sts::123456789012:assumed-role/r/s');
      const req = local.requests.at(-1)!;
      expect(req).toMatchObject({ protocol: 'query', operation: 'AssumeRole', service: 'sts', region: 'eu-west-1' });
      expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(req.body).toMatchObject({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: input.RoleArn, RoleSessionName: 's' });
    } finally {
      sts.destroy();
      await local.close();
    }
  });
});
