// A validator for CloudWatch Embedded Metric Format documents, written from the specification:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
export function emfProblems(line: string): string[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return ['not JSON'];
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['root is not an object'];
  const root = doc as Record<string, unknown>;
  const aws = root._aws as Record<string, unknown> | undefined;
  if (typeof aws !== 'object' || aws === null) return ['_aws missing'];
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp <= 0) problems.push('_aws.Timestamp is not epoch ms');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, '_aws.CloudWatchMetrics is not a non-empty array'];
  for (const [i, directive] of (directives as Record<string, unknown>[]).entries()) {
    const at = `CloudWatchMetrics[${i}]`;
    if (typeof directive.Namespace !== 'string' || directive.Namespace.length === 0 || directive.Namespace.length > 1024) problems.push(`${at}.Namespace invalid`);
    const sets = directive.Dimensions;
    if (!Array.isArray(sets)) problems.push(`${at}.Dimensions is not an array`);
    else
      for (const set of sets as unknown[]) {
        if (!Array.isArray(set)) problems.push(`${at}.Dimensions has a non-array set`);
        else {
          if (set.length > 30) problems.push(`${at}: dimension set over 30`);
          for (const name of set as unknown[]) {
            if (typeof name !== 'string') problems.push(`${at}: dimension name not a string`);
            else if (typeof root[name] !== 'string') problems.push(`${at}: dimension ${name} is not a top-level string member`);
          }
        }
      }
    const metrics = directive.Metrics;
    if (!Array.isArray(metrics) || metrics.length === 0) problems.push(`${at}.Metrics is not a non-empty array`);
    else {
      if (metrics.length > 100) problems.push(`${at}: ${metrics.length} metrics, over 100`);
      for (const metric of metrics as Record<string, unknown>[]) {
        const name = metric.Name;
        if (typeof name !== 'string' || name.length === 0 || name.length > 1024) {
          problems.push(`${at}: metric without a valid Name`);
          continue;
        }
        const value = root[name];
        const values = Array.isArray(value) ? value : [value];
        if (values.length === 0 || values.length > 100 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
          problems.push(`${at}: metric ${name} is not a number or an array of 1..100 numbers`);
        }
        if (metric.Unit !== undefined && typeof metric.Unit !== 'string') problems.push(`${at}: metric ${name} Unit not a string`);
      }
    }
  }
  return problems;
}

export function isEmf(line: string): boolean {
  try {
    const doc = JSON.parse(line) as { _aws?: unknown };
    return typeof doc === 'object' && doc !== null && doc._aws !== undefined;
  } catch {
    return false;
  }
}

/** Every (metric, dimensions, value) an EMF document stands for, one entry per value. */
export function emfSamples(line: string): string[] {
  const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } };
  const out: string[] = [];
  for (const directive of doc._aws.CloudWatchMetrics) {
    const dims = (directive.Dimensions[0] ?? []).map((name) => `${name}=${String(doc[name])}`).join(',');
    for (const metric of directive.Metrics) {
      const value = doc[metric.Name];
      for (const v of Array.isArray(value) ? value : [value]) out.push(`${metric.Name}[${dims}]${metric.Unit ?? ''}=${String(v)}`);
    }
  }
  return out;
}

/**
 * The metric contract the alarms are built on: each metric's dimension set (in order) and unit.
 * `InvocationErrors` may also carry only Region (the fleet file could not be read).
 */
export const METRIC_CONTRACT: Readonly<Record<string, { dimensions: string[][]; unit: string }>> = {
  Success: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Count' },
  Duration: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Milliseconds' },
  Degraded: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Count' },
  DnsMs: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Milliseconds' },
  ConnectMs: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Milliseconds' },
  TlsMs: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Milliseconds' },
  TtfbMs: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Milliseconds' },
  TransferMs: { dimensions: [['Fleet', 'Check', 'Region']], unit: 'Milliseconds' },
  CertificateDaysRemaining: { dimensions: [['Fleet', 'Endpoint']], unit: 'None' },
  ChecksRun: { dimensions: [['Fleet', 'Region']], unit: 'Count' },
  ChecksSkipped: { dimensions: [['Fleet', 'Region']], unit: 'Count' },
  SecretLookupFailures: { dimensions: [['Fleet', 'Region']], unit: 'Count' },
  PublishFailures: { dimensions: [['Fleet', 'Region']], unit: 'Count' },
  InvocationErrors: { dimensions: [['Fleet', 'Region'], ['Region']], unit: 'Count' },
};

/** Where an EMF document leaves the contract: unknown metrics, other dimension sets or units, a malformed Endpoint. */
export function contractProblems(line: string): string[] {
  const doc = JSON.parse(line) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] } };
  const problems: string[] = [];
  for (const directive of doc._aws.CloudWatchMetrics) {
    const dims = JSON.stringify(directive.Dimensions[0] ?? []);
    for (const metric of directive.Metrics) {
      const contract = METRIC_CONTRACT[metric.Name];
      if (!contract) {
        problems.push(`${metric.Name}: not a metric of the contract`);
        continue;
      }
      if (!contract.dimensions.some((set) => JSON.stringify(set) === dims)) problems.push(`${metric.Name}: dimensions ${dims}, expected ${contract.dimensions.map((s) => JSON.stringify(s)).join(' or ')}`);
      if (metric.Unit !== contract.unit) problems.push(`${metric.Name}: unit ${String(metric.Unit)}, expected ${contract.unit}`);
      if (metric.Name === 'CertificateDaysRemaining') {
        const endpoint = doc.Endpoint;
        if (typeof endpoint !== 'string' || !/^([a-z0-9.-]+|\[[0-9a-f:.]+\]):\d{1,5}$/.test(endpoint)) problems.push(`CertificateDaysRemaining: Endpoint ${JSON.stringify(endpoint)}, expected lower-case host:port`);
        const values = Array.isArray(doc[metric.Name]) ? (doc[metric.Name] as unknown[]) : [doc[metric.Name]];
        if (!values.every((v) => Number.isInteger(v))) problems.push('CertificateDaysRemaining: expected whole days');
      }
    }
  }
  return problems;
}
