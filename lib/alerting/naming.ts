// One naming function for every alarm, so names are predictable, de-duplicated, and can be
// read back by the notify function to find the check an alarm belongs to.

export type AlarmKind = 'availability' | 'latency' | 'cert-chat' | 'cert-pager' | 'heartbeat' | 'service';

export interface AlarmIdentity {
  fleet: string;
  kind: AlarmKind;
  /** check id for per-check alarms, region for heartbeats, service for service composites. */
  subject: string;
}

const PREFIX = 'probe-fleet';
const KINDS: readonly AlarmKind[] = ['availability', 'latency', 'cert-chat', 'cert-pager', 'heartbeat', 'service'];

/** Alarm names keep to characters every CloudWatch API and console URL accepts. */
function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** CloudWatch's limit on alarm names. */
export const MAX_ALARM_NAME_LENGTH = 255;

/** The name without the length check: validation uses it to report too-long names with their config path. */
export function composeAlarmName(identity: AlarmIdentity): string {
  return `${PREFIX}/${safe(identity.fleet)}/${identity.kind}/${safe(identity.subject)}`;
}

/**
 * `probe-fleet/<fleet>/<kind>/<subject>`, at most 255 characters. Validation
 * (lib/config/validateAlerting.ts, deployLimitDiagnostics) rejects fleets whose names would
 * be longer, so this throws only for a fleet that skipped validation.
 */
export function alarmName(identity: AlarmIdentity): string {
  const name = composeAlarmName(identity);
  if (name.length > MAX_ALARM_NAME_LENGTH) throw new Error(`alarm name too long (${name.length} > ${MAX_ALARM_NAME_LENGTH}): ${name.slice(0, 80)}…`);
  return name;
}

/** Reads an alarm name back; null for names this tool did not make. */
export function parseAlarmName(name: string): AlarmIdentity | null {
  const parts = name.split('/');
  if (parts.length !== 4 || parts[0] !== PREFIX) return null;
  const [, fleet, kind, subject] = parts as [string, string, string, string];
  if (!(KINDS as readonly string[]).includes(kind)) return null;
  return { fleet, kind: kind as AlarmKind, subject };
}

/**
 * The value of the `Check` metric dimension and the subject of per-check alarms for one
 * check against one environment. A check that runs against a single environment is named
 * by its id alone; with several environments (several live sites running one suite) each
 * gets its own series, `<checkId>.<environment>` (ids never contain a dot).
 */
export function checkTarget(checkId: string, environment: string, environmentCount: number): string {
  return environmentCount > 1 ? `${checkId}.${environment}` : checkId;
}
