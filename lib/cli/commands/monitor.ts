// `probe-fleet monitor`: the fleet on one machine, with alarms, notifications and a live
// status page. Wiring only: scheduling and alarms live in lib/monitor, formatting in lib/notify.
import { isAbsolute, resolve } from 'node:path';
import { Monitor, LOCAL_LOCATION } from '../../monitor/monitor.js';
import type { Notifier } from '../../monitor/notifier.js';
import { consoleNotifier, hasWebhookDestinations, monitorNotifyConfig, webhookNotifier } from '../../monitor/notifier.js';
import { startStatusServer } from '../../monitor/server.js';
import type { StatusServer } from '../../monitor/server.js';
import { Outbox } from '../../monitor/outbox.js';
import { SegmentedResultStore } from '../../monitor/segmentStore.js';
import { StoreLockedError } from '../../monitor/store.js';
import { parseDuration, parseFlags, usageError } from '../args.js';
import type { CliIO, Command } from '../command.js';
import { EXIT_OK, EXIT_USAGE, usageFailure } from '../command.js';
import { DEFAULT_REQUEST_LOG, prepareRun } from '../runSetup.js';
import { readMutes } from '../../config/maintenanceMutes.js';

export const DEFAULT_MONITOR_PORT = 8787;
export const DEFAULT_DATA_DIR = '.probe-fleet/data';

const FLAGS = {
  config: { type: 'string', short: 'c' },
  env: { type: 'string', short: 'e' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  data: { type: 'string' },
  notify: { type: 'string' },
  period: { type: 'string' },
  'request-log': { type: 'string' },
  'notify-retry-for': { type: 'string' },
  'resend-undelivered': { type: 'boolean' },
} as const;

const HELP = `Usage: probe-fleet monitor [options]

Runs every check on its schedule, evaluates alarms with the same policy as the
CloudWatch alarms, notifies on alarm and recovery, keeps results under --data,
and serves a live status page. Stop it with Ctrl-C (SIGINT) or SIGTERM: running
checks finish (or stop at their deadline) and the store is left consistent.

Options:
  -c, --config FILE      fleet definition (default: probes.config.ts in the current directory)
  -e, --env NAME         environment(s) to monitor: a name, a,b, or all (default: all)
  -p, --port N           status page port (default: ${DEFAULT_MONITOR_PORT}; 0 picks a free one)
      --host ADDR        status page address (default: 127.0.0.1); the page has no login,
                         so any other address is warned about
      --data DIR         result store directory (default: ${DEFAULT_DATA_DIR}); locked while
                         a monitor uses it, undelivered notifications are kept there
      --notify WHERE     console | webhooks (default: console). webhooks delivers to the
                         fleet's alerting webhooks and PagerDuty key, secrets from
                         PROBE_SECRET_<NAME> environment variables
      --notify-retry-for TIME
                         how long a notification that cannot be delivered is retried
                         (backoff from 10s to 5m) before it is kept as undelivered
                         (default: 1h)
      --resend-undelivered
                         queue every kept (undelivered) notification of --data again
                         and deliver it with this run
      --period TIME      rehearsals and tests only: run every check and evaluate every
                         alarm period on this interval (e.g. 2s) instead of the schedules
      --request-log FILE one JSON line per request made (default: ${DEFAULT_REQUEST_LOG})
  -h, --help             show this help

Status page: / (HTML), /api/status, /api/checks/<id>/history?hours=24, /api/events (SSE).
`;

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'Run the fleet continuously on this machine, with alarms and a live status page',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseFlags(args, FLAGS);
    if (!parsed.ok) return usageFailure(io, 'monitor', parsed.error);
    const flags = parsed.values;
    if (parsed.positionals.length > 0) {
      return usageFailure(io, 'monitor', usageError('arguments', 'none (only options)', parsed.positionals.join(' ')));
    }
    const port = flags.port === undefined ? DEFAULT_MONITOR_PORT : Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return usageFailure(io, 'monitor', usageError('--port', 'an integer from 0 to 65535', flags.port ?? ''));
    }
    const notify = flags.notify ?? 'console';
    if (notify !== 'console' && notify !== 'webhooks') {
      return usageFailure(io, 'monitor', usageError('--notify', 'console or webhooks', notify));
    }
    let periodMs: number | undefined;
    if (flags.period !== undefined) {
      const value = parseDuration(flags.period);
      if (value === null || value < 100) {
        return usageFailure(io, 'monitor', usageError('--period', 'a duration of at least 100ms, e.g. 2s', flags.period));
      }
      periodMs = value;
    }
    const host = flags.host ?? '127.0.0.1';
    let retryForMs: number | undefined;
    if (flags['notify-retry-for'] !== undefined) {
      // 0 is allowed here: keep a failing notification after its first round of attempts.
      const value = /^0+(ms|s|m|h)?$/.test(flags['notify-retry-for'].trim()) ? 0 : parseDuration(flags['notify-retry-for']);
      if (value === null) return usageFailure(io, 'monitor', usageError('--notify-retry-for', 'a duration, e.g. 30m or 0s', flags['notify-retry-for']));
      retryForMs = value;
    }

    const setup = await prepareRun(io, {
      ...(flags.config !== undefined ? { config: flags.config } : {}),
      ...(flags.env !== undefined ? { env: flags.env } : {}),
      ...(flags['request-log'] !== undefined ? { requestLog: flags['request-log'] } : {}),
    });
    if (!setup.ok) return setup.exitCode;

    const dataDir = flags.data === undefined ? resolve(io.cwd, DEFAULT_DATA_DIR) : isAbsolute(flags.data) ? flags.data : resolve(io.cwd, flags.data);
    const write = (line: string): void => {
      io.stdout.write(`${setup.redactor.redact(line)}\n`);
    };
    const notifyConfig = monitorNotifyConfig(setup.fleet, `http://${host}:${port}/`);

    let notifier: Notifier;
    if (notify === 'webhooks') {
      if (!hasWebhookDestinations(notifyConfig)) {
        await setup.close();
        return usageFailure(io, 'monitor', usageError('--notify', 'webhooks or a PagerDuty routing key under alerting.pager / alerting.chat in the fleet', 'webhooks'));
      }
      // A destination whose secret is missing would lose every alert: refuse to start instead.
      const names = (['pager', 'chat'] as const).flatMap((r) => [...notifyConfig.routes[r].webhooks.map((w) => w.secretName), ...(notifyConfig.routes[r].pagerDutyRoutingKeySecret === null ? [] : [notifyConfig.routes[r].pagerDutyRoutingKeySecret])]);
      // Every missing secret is named at once, not one per start.
      const missing: string[] = [];
      for (const name of new Set(names)) {
        try {
          await setup.secrets.resolve(name);
        } catch (error) {
          missing.push(setup.redactor.redact(error instanceof Error ? error.message : String(error)));
        }
      }
      if (missing.length > 0) {
        for (const line of missing) io.stderr.write(`probe-fleet monitor: ${line}\n`);
        await setup.close();
        return EXIT_USAGE;
      }
      notifier = webhookNotifier({
        config: notifyConfig,
        secrets: setup.secrets,
        redactor: setup.redactor,
        ...(io.env.PAGERDUTY_EVENTS_URL ? { pagerDutyUrl: io.env.PAGERDUTY_EVENTS_URL } : {}),
        onError: (message) => io.stderr.write(`probe-fleet monitor: notification failed: ${message}\n`),
        onDelivered: (event, outcomes) => write(`notified ${event.alarmName} ${event.state}: ${outcomes.map((o) => o.destination).join(', ')}`),
      });
    } else {
      notifier = consoleNotifier((text) => io.stdout.write(setup.redactor.redact(text)), io.stdout.isTTY === true && !io.env.NO_COLOR);
    }

    let store: SegmentedResultStore;
    try {
      store = SegmentedResultStore.lock(dataDir);
    } catch (error) {
      await setup.close();
      if (error instanceof StoreLockedError) {
        io.stderr.write(`probe-fleet monitor: ${error.message}\n`);
        return EXIT_USAGE;
      }
      return usageFailure(io, 'monitor', `${usageError('--data', 'a directory the store can be written to', dataDir)} (${(error as Error).message})`);
    }
    let outbox: Outbox;
    try {
      outbox = Outbox.open(dataDir);
    } catch (error) {
      store.close();
      await setup.close();
      return usageFailure(io, 'monitor', `${usageError('--data', 'a directory whose outbox can be read and written', dataDir)} (${(error as Error).message})`);
    }
    if (flags['resend-undelivered'] === true) {
      const queued = outbox.resendKept(Date.now());
      write(`outbox ${outbox.file}: ${queued.length} undelivered notification(s) queued again${queued.length > 0 ? `: ${queued.map((e) => `${e.event.alarmName} ${e.event.state}`).join(', ')}` : ''}`);
    }

    const monitor = new Monitor({
      fleet: setup.fleet,
      environments: setup.environments,
      secrets: setup.secrets,
      redactor: setup.redactor,
      requestLog: setup.requestLog,
      store,
      stored: [],
      notifier,
      notifyConfig,
      log: write,
      outbox,
      // `probe-fleet mute` writes its windows beside the store.
      maintenance: () => readMutes(dataDir),
      ...(retryForMs !== undefined ? { retryForMs } : {}),
      ...(periodMs !== undefined ? { periodMsOverride: periodMs } : {}),
    });

    // The stored results stream into history and alarm state, one hour's segment at a time.
    let report: Awaited<ReturnType<SegmentedResultStore['replay']>>;
    try {
      report = await store.replay((row) => monitor.replayRow(row));
    } catch (error) {
      outbox.close();
      await setup.close();
      return usageFailure(io, 'monitor', `${usageError('--data', 'a directory whose result store can be read', dataDir)} (${(error as Error).message})`);
    }
    monitor.finishReplay();
    if (report.tornBytes > 0 || report.corruptLines > 0 || report.duplicates > 0) {
      write(`store ${store.file}: recovered (cut a torn last line of ${report.tornBytes} bytes, skipped ${report.corruptLines} damaged line(s), dropped ${report.duplicates} duplicate(s))`);
    }

    let server: StatusServer;
    try {
      server = await startStatusServer({ monitor, fleet: setup.fleet, environments: setup.environments, location: LOCAL_LOCATION, host, port });
    } catch (error) {
      outbox.close();
      store.close();
      await setup.close();
      return usageFailure(io, 'monitor', `${usageError('--port', `a free port on ${host}`, String(port))} (${(error as Error).message})`);
    }
    notifyConfig.dashboardUrl = `${server.url}/`;
    write(`probe-fleet monitor: ${monitor.targets.length} check(s) of fleet ${setup.fleet.name}, ${store.size} stored result(s) in ${store.file}`);
    write(`status page: ${server.url}/`);

    await monitor.run(io.signal);

    await server.close();
    store.close();
    await setup.close();
    write(`probe-fleet monitor: stopped cleanly; ${store.size} result(s) in the store`);
    return EXIT_OK;
  },
};
