import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudWatchMetricSource } from '../../lib/model/fleet.js';
import { alignedWindow, cloudWatchAccessFrom, createCloudWatchFetcher } from '../../lib/release/cloudwatchSource.js';
import type { DecodedAwsRequest, FakeAnswer, FakeAws } from '../support/fakeAws.js';
import { FAKE_CREDENTIALS, serverError, startFakeAws } from '../support/fakeAws.js';

const FIVE_XX_RATE: CloudWatchMetricSource = {
  name: 'canary-5xx-rate',
  region: 'eu-west-1',
  periodSeconds: 60,
  reduce: 'max',
  successCondition: '<=0.01',
  queries: [
    {
      id: 'errors',
      metric: {
        namespace: 'AWS/ApplicationELB',
        metricName: 'HTTPCode_Target_5XX_Count',
        dimensions: { LoadBalancer: 'app/shop/123', TargetGroup: 'targetgroup/shop-canary/456' },
      },
      stat: 'Sum',
    },
    {
      id: 'requests',
      metric: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: { TargetGroup: 'targetgroup/shop-canary/456' } },
      stat: 'Sum',
    },
    { id: 'rate', expression: 'errors / requests', label: '5xx rate' },
  ],
};

describe('GetMetricData source', () => {
  let aws: FakeAws;
  let answer: (req: DecodedAwsRequest) => FakeAnswer | undefined = () => undefined;

  beforeAll(async () => {
    aws = await startFakeAws({ respond: (req) => answer(req) });
  });
  afterAll(async () => {
    await aws.close();
  });

  it('sends the queries, period, stat and aligned time range, and reduces the judged series', async () => {
    answer = (req) =>
      req.operation === 'GetMetricData'
        ? {
            json: {
              MetricDataResults: [
                { Id: 'rate', Label: '5xx rate', StatusCode: 'Complete', Timestamps: [1_700_000_040, 1_700_000_100, 1_700_000_160], Values: [0.004, 0.031, 0.002] },
              ],
              Messages: [],
            },
          }
        : undefined;
    const fetcher = createCloudWatchFetcher({ endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, defaultRegion: 'us-east-1' });
    const before = aws.requests.length;
    const window = alignedWindow(new Date(1_700_000_190_500), 180_000, 60);
    const result = await fetcher.fetch(FIVE_XX_RATE, window);
    fetcher.close();

    expect(result).toEqual({
      ok: true,
      value: 0.031,
      points: [
        { t: 1_700_000_040_000, value: 0.004 },
        { t: 1_700_000_100_000, value: 0.031 },
        { t: 1_700_000_160_000, value: 0.002 },
      ],
    });
    const sent = aws.requests.slice(before);
    expect(sent).toHaveLength(1);
    const req = sent[0]!;
    expect(req.service).toBe('monitoring');
    expect(req.region).toBe('eu-west-1');
    expect(req.operation).toBe('GetMetricData');
    const body = req.body as Record<string, unknown>;
    // 1_700_000_190.5 s minus 180 s, floored to the minute: 1_699_999_980 s.
    expect(body.StartTime).toBe(1_699_999_980);
    expect(body.EndTime).toBe(1_700_000_190.5);
    expect(body.ScanBy).toBe('TimestampAscending');
    expect(body.MetricDataQueries).toEqual([
      {
        Id: 'errors',
        ReturnData: false,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HTTPCode_Target_5XX_Count',
            Dimensions: [
              { Name: 'LoadBalancer', Value: 'app/shop/123' },
              { Name: 'TargetGroup', Value: 'targetgroup/shop-canary/456' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
      },
      {
        Id: 'requests',
        ReturnData: false,
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: [{ Name: 'TargetGroup', Value: 'targetgroup/shop-canary/456' }] },
          Period: 60,
          Stat: 'Sum',
        },
      },
      { Id: 'rate', ReturnData: true, Label: '5xx rate', Expression: 'errors / requests', Period: 60 },
    ]);
  });

  it('follows NextToken pages and merges them in time order', async () => {
    answer = (req) => {
      if (req.operation !== 'GetMetricData') return undefined;
      const token = (req.body as { NextToken?: string }).NextToken;
      return token === undefined
        ? { json: { MetricDataResults: [{ Id: 'rate', Timestamps: [1_700_000_000], Values: [1] }], NextToken: 'page-2' } }
        : { json: { MetricDataResults: [{ Id: 'rate', Timestamps: [1_700_000_060], Values: [2] }] } };
    };
    const fetcher = createCloudWatchFetcher({ endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, defaultRegion: 'us-east-1' });
    const before = aws.requests.length;
    const result = await fetcher.fetch({ ...FIVE_XX_RATE, reduce: 'last' }, alignedWindow(new Date(1_700_000_100_000), 120_000, 60));
    fetcher.close();
    expect(result.ok && result.value).toBe(2);
    expect(aws.requests.slice(before).map((r) => (r.body as { NextToken?: string }).NextToken)).toEqual([undefined, 'page-2']);
  });

  it('no datapoints is a value of null, not zero', async () => {
    answer = () => undefined; // the fake's default: no results
    const fetcher = createCloudWatchFetcher({ endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, defaultRegion: 'us-east-1' });
    const result = await fetcher.fetch(FIVE_XX_RATE, alignedWindow(new Date(), 60_000, 60));
    fetcher.close();
    expect(result).toEqual({ ok: true, value: null, points: [] });
  });

  it('a service error is an error value that names the source and says a retry is safe', async () => {
    answer = (req) => (req.operation === 'GetMetricData' ? serverError() : undefined);
    const fetcher = createCloudWatchFetcher({ endpoint: aws.endpoint, credentials: FAKE_CREDENTIALS, defaultRegion: 'us-east-1' });
    const result = await fetcher.fetch(FIVE_XX_RATE, alignedWindow(new Date(), 60_000, 60));
    fetcher.close();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe('cloudwatch_error');
      expect(result.error.message).toContain("GetMetricData for 'canary-5xx-rate' failed");
      expect(result.error.message).toContain('HTTP 500');
      expect(result.error.retryable).toBe(true);
    }
  });

  it('reads the endpoint and static credentials from the given environment', () => {
    expect(cloudWatchAccessFrom({ AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }, 'eu-west-1')).toEqual({
      defaultRegion: 'eu-west-1',
      endpoint: 'http://127.0.0.1:1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    expect(cloudWatchAccessFrom({ AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:1' }, 'eu-west-1', 'http://127.0.0.1:2').endpoint).toBe('http://127.0.0.1:2');
  });
});
