// `probe-fleet page --test`: a test notification through the deployed pager and chat topics,
// and what SNS accepted. The topic ARNs come from the fleet definition (the CDK app names the
// topics `<stack prefix>-<route>` in the home region), so no stack output is read.
import { formatDiagnostics, isConfigError } from '../../config/errors.js';
import { loadFleet, resolveConfigPath } from '../../config/loadFleet.js';
import { defaultStackPrefix, stackSafe } from '../../infra/plan.js';
import type { Fleet } from '../../model/fleet.js';
import { sendTestPage, type TestPageOutcome } from '../../notify/sendTestPage.js';
import { topicArn } from '../../notify/topicArns.js';
import { parseFlags, usageError } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, usageFailure } from '../command.js';

const ROUTES = ['pager', 'chat'] as const;

const FLAGS = {
  config: { type: 'string', short: 'c' },
  test: { type: 'boolean' },
  route: { type: 'string' },
  resolve: { type: 'boolean' },
  account: { type: 'string' },
  'stack-prefix': { type: 'string' },
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
} as const;

const HELP = `Usage: probe-fleet page --test [--route pager|chat] [--resolve] [--config FILE] [--account ID]

Publishes a notification marked TEST to the deployed on-call topics (pager and chat, in the
fleet's home region) and prints what SNS accepted: one MessageId per topic. Every subscriber
gets it as it would get an alarm: the notify function pages PagerDuty and posts to the chat
webhooks, PagerDuty's or Opsgenie's CloudWatch integration opens an incident, AWS Chatbot posts
to Slack, email subscribers get a text mail. It is marked TEST everywhere, and it does page
on-call: proving that a page arrives is the point. Close it afterwards with --resolve.

Run it after each deploy that touches alerting. The caller needs sns:Publish on the topics and
kms:GenerateDataKey* and kms:Decrypt on their key (alias/<stack prefix>-topics).

Options:
  --test                 Required: send the test notification
  --route ROUTE          Only this route: pager or chat (default: both)
  --resolve              Send the recovery (OK) of the test, which closes its PagerDuty incident;
                         with --route pager it goes to chat too, as a paging alarm's recovery does
  -c, --config FILE      Fleet definition (default: probes.config.ts in the current directory)
  --account ID           AWS account of the deployed fleet (default: AWS_ACCOUNT_ID, else the
                         account of the credentials when the SDK knows it)
  --stack-prefix PREFIX  The stack prefix the fleet was deployed with (default: probe-fleet-<fleet name>)
  --endpoint URL         SNS endpoint override (also AWS_ENDPOINT_URL_SNS)
  --json                 Print the outcomes as JSON
  -h, --help             Show this help

Exit codes: 0 every topic accepted it; 1 a publish failed (the error says whether a retry is
safe); 2 usage or fleet definition error.

Examples:
  probe-fleet page --test
  probe-fleet page --test --route pager --account 123456789012
  probe-fleet page --test --resolve
`;

function describeLoadError(error: unknown, flag: string | undefined): string {
  if (isConfigError(error)) return `${error.file === undefined ? '' : `${error.file}\n`}${formatDiagnostics(error.diagnostics)}`;
  return `probe-fleet page: could not load the fleet definition${flag ? ` ${flag}` : ''}: ${error instanceof Error ? error.message : String(error)}`;
}

function formatOutcomes(outcomes: readonly TestPageOutcome[], resolve: boolean): string {
  const width = Math.max(...outcomes.map((o) => o.route.length));
  const lines = outcomes.map((o) => (o.ok ? `${o.route.padEnd(width)}  accepted  MessageId ${o.messageId}  ${o.topicArn}` : `${o.route.padEnd(width)}  FAILED    ${o.error}`));
  const accepted = outcomes.filter((o) => o.ok).length;
  const what = resolve ? 'test recovery' : 'test notification';
  lines.push(`${accepted} of ${outcomes.length} topic(s) accepted the ${what}.${accepted > 0 && !resolve ? ' Check that on-call was paged and chat got it, then run with --resolve.' : ''}`);
  return `${lines.join('\n')}\n`;
}

export const pageCommand: Command = {
  name: 'page',
  summary: 'Send a TEST notification through the deployed pager and chat topics',
  help: HELP,
  async run(args, io) {
    const parsed = parseFlags(args, FLAGS);
    if (!parsed.ok) return usageFailure(io, 'page', parsed.error);
    const flags = parsed.values;
    if (parsed.positionals.length > 0) return usageFailure(io, 'page', usageError('arguments', 'none', parsed.positionals.join(' ')));
    if (flags.test !== true) return usageFailure(io, 'page', usageError('mode', '--test (the only mode: it sends a test notification)', 'no --test'));
    const route = flags.route;
    if (route !== undefined && !(ROUTES as readonly string[]).includes(route)) return usageFailure(io, 'page', usageError('--route', 'pager or chat', route));
    const account = flags.account ?? io.env.AWS_ACCOUNT_ID;
    if (account !== undefined && !/^\d{12}$/.test(account)) return usageFailure(io, 'page', usageError(flags.account !== undefined ? '--account' : 'AWS_ACCOUNT_ID', 'a 12-digit AWS account id', account));
    const endpoint = flags.endpoint ?? io.env.AWS_ENDPOINT_URL_SNS ?? io.env.AWS_ENDPOINT_URL;
    if (endpoint !== undefined && !/^https?:\/\/[^/@\s]+(\/|$)/.test(endpoint)) return usageFailure(io, 'page', usageError('--endpoint', 'an http(s) URL without credentials', endpoint.replace(/\/\/[^@/]*@/, '//…@')));

    let fleet: Fleet;
    try {
      fleet = await loadFleet(resolveConfigPath(io.cwd, flags.config));
    } catch (error) {
      io.stderr.write(`${describeLoadError(error, flags.config)}\n`);
      return EXIT_USAGE;
    }
    const region = fleet.homeRegion;
    const prefix = flags['stack-prefix'] !== undefined ? stackSafe(flags['stack-prefix']) : defaultStackPrefix(fleet);
    const { SNSClient } = await import('@aws-sdk/client-sns');
    const accessKeyId = io.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = io.env.AWS_SECRET_ACCESS_KEY;
    const client = new SNSClient({
      region,
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(io.env.AWS_SESSION_TOKEN ? { sessionToken: io.env.AWS_SESSION_TOKEN } : {}) } } : {}),
      // Publish is not idempotent: the SDK's own retry of a timed-out publish could page twice.
      maxAttempts: 1,
    });
    try {
      let accountId = account;
      if (accountId === undefined) {
        try {
          accountId = (await client.config.credentials()).accountId;
        } catch (error) {
          io.stderr.write(`probe-fleet page: expected AWS credentials to publish with, received none (${error instanceof Error ? error.message : String(error)}); nothing was sent\n`);
          return EXIT_FAILED;
        }
      }
      if (accountId === undefined) {
        return usageFailure(io, 'page', usageError('--account', 'the 12-digit AWS account the fleet is deployed in (or AWS_ACCOUNT_ID); the credentials do not say', 'nothing'));
      }
      // A recovery travels as a paging alarm's does: to the pager topic (integration URLs close
      // their incident there) and to chat (where the notify function resolves PagerDuty events).
      const routes = route === undefined || (route === 'pager' && flags.resolve === true) ? [...ROUTES] : [route];
      const targets = routes.map((r) => ({ route: r, topicArn: topicArn(region, accountId, prefix, r) }));
      const outcomes = await sendTestPage({ client, fleet: fleet.name, region, targets, resolve: flags.resolve === true, signal: io.signal });
      io.stdout.write(flags.json ? `${JSON.stringify({ fleet: fleet.name, region, resolve: flags.resolve === true, outcomes }, null, 2)}\n` : formatOutcomes(outcomes, flags.resolve === true));
      return outcomes.every((o) => o.ok) ? EXIT_OK : EXIT_FAILED;
    } finally {
      client.destroy();
    }
  },
};
