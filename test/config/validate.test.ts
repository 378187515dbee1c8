import { describe, expect, it } from 'vitest';
import { ConfigError, formatDiagnostics } from '../../lib/config/errors.js';
import type { Diagnostic } from '../../lib/config/errors.js';
import { validateFleet } from '../../lib/config/validate.js';
import { validFleet } from './validFleet.js';

// Cases reach into the fleet wherever they like; the fixture's static type is not the point here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function diagnosticsOf(mutate: (fleet: Loose) => void): Diagnostic[] {
  const fleet = validFleet() as Loose;
  mutate(fleet);
  const result = validateFleet(fleet);
  return result.ok ? [] : result.diagnostics;
}

interface Case {
  name: string;
  mutate: (fleet: Loose) => void;
  path: string;
  message: RegExp;
  /** How many diagnostics the change causes in total (default 1). */
  count?: number;
}

const cases: Case[] = [
  // Unknown keys, with the likely intended key where one is close.
  { name: 'typo in a top-level key', mutate: (f) => { f.chekcs = []; }, path: 'chekcs', message: /^unknown key "chekcs" \(did you mean "checks"\?\)/ },
  { name: 'wrong case in a check key', mutate: (f) => { f.checks[0].timeoutMS = 100; }, path: 'checks[0].timeoutMS', message: /did you mean "timeoutMs"\?/ },
  { name: 'singular assertions', mutate: (f) => { f.checks[0].assertion = []; }, path: 'checks[0].assertion', message: /did you mean "assertions"\?/ },
  { name: 'unknown key with nothing close', mutate: (f) => { f.checks[0].colour = 'red'; }, path: 'checks[0].colour', message: /^unknown key "colour": expected one of kind, id, name/ },
  { name: 'key of another check kind', mutate: (f) => { f.checks[0].steps = []; }, path: 'checks[0].steps', message: /key "steps" belongs to flow checks, not http checks/ },
  { name: 'request key on a flow instead of its step', mutate: (f) => { f.checks[2].sideEffects = { kind: 'none', reason: 'x' }; }, path: 'checks[2].sideEffects', message: /key "sideEffects" belongs on each step of a flow \(steps\[\]\.sideEffects\)/ },
  { name: 'typo in an environment key', mutate: (f) => { f.environments.prod.sandBox = true; }, path: 'environments.prod.sandBox', message: /did you mean "sandbox"\?/ },
  { name: 'typo in an assertion key', mutate: (f) => { f.checks[0].assertions[0] = { type: 'status', equal: 200 }; }, path: 'checks[0].assertions[0].equal', message: /did you mean "equals"\?/, count: 2 },
  { name: 'typo in defaults.rateLimit', mutate: (f) => { f.defaults.rateLimit.bursts = 3; }, path: 'defaults.rateLimit.bursts', message: /did you mean "burst"\?/ },
  { name: 'unknown key in a secret reference', mutate: (f) => { f.alerting.pager.pagerDutyRoutingKey = { $secret: 'pd', value: 'x' }; }, path: 'alerting.pager.pagerDutyRoutingKey.value', message: /unknown key "value"/ },

  // Types and numbers: never silently 0.
  { name: 'name is a number', mutate: (f) => { f.name = 42; }, path: 'name', message: /^expected a non-empty string, received 42$/ },
  { name: 'missing check name', mutate: (f) => { delete f.checks[0].name; }, path: 'checks[0].name', message: /^missing required value: expected a non-empty string, received nothing$/ },
  { name: 'NaN timeout', mutate: (f) => { f.defaults.timeoutMs = Number.NaN; }, path: 'defaults.timeoutMs', message: /expected an integer from 1 to 900000, received NaN/ },
  { name: 'infinite rate', mutate: (f) => { f.defaults.rateLimit.requestsPerSecond = Number.POSITIVE_INFINITY; }, path: 'defaults.rateLimit.requestsPerSecond', message: /expected a number above 0 and at most 10000, received Infinity/ },
  { name: 'zero burst', mutate: (f) => { f.defaults.rateLimit.burst = 0; }, path: 'defaults.rateLimit.burst', message: /expected an integer from 1 to 10000, received 0/ },
  { name: 'port as a string', mutate: (f) => { f.checks[6].port = '25'; }, path: 'checks[6].port', message: /expected an integer from 1 to 65535, received "25"/ },
  { name: 'port out of range', mutate: (f) => { f.checks[6].port = 70000; }, path: 'checks[6].port', message: /received 70000/ },
  { name: 'negative retries', mutate: (f) => { f.checks[1].retries = -1; }, path: 'checks[1].retries', message: /expected an integer from 0 to 10, received -1/ },
  { name: 'fractional concurrency', mutate: (f) => { f.defaults.concurrency = 2.5; }, path: 'defaults.concurrency', message: /received 2.5/ },
  { name: 'unknown retry mode', mutate: (f) => { f.defaults.retries.onlyOn = 'all'; }, path: 'defaults.retries.onlyOn', message: /expected one of "network", "any", received "all"/ },
  { name: 'degraded above max', mutate: (f) => { f.checks[6].degradedMs = 3000; }, path: 'checks[6].degradedMs', message: /degradedMs at most maxMs \(2500\)/ },
  { name: 'default max above the default timeout', mutate: (f) => { delete f.defaults.timeoutMs; f.defaults.maxMs = 20000; }, path: 'defaults.maxMs', message: /expected at most timeoutMs \(10000\), received 20000/ },
  { name: 'max above timeout', mutate: (f) => { f.checks[6].maxMs = 4000; }, path: 'checks[6].maxMs', message: /a latency threshold above the timeout can never be crossed/ },

  // Ids.
  { name: 'id with uppercase and underscore', mutate: (f) => { f.checks[0].id = 'Health_Check'; }, path: 'checks[0].id', message: /expected an id of lowercase letters, digits and dashes.*received "Health_Check"/ },
  { name: 'id starting with a dash', mutate: (f) => { f.checks[0].id = '-health'; }, path: 'checks[0].id', message: /received "-health"/ },
  { name: 'id longer than 63 characters', mutate: (f) => { f.checks[0].id = 'a'.repeat(64); }, path: 'checks[0].id', message: /at most 63 characters/ },
  { name: 'duplicate id', mutate: (f) => { f.checks[1].id = 'health'; }, path: 'checks[1].id', message: /^duplicate id: expected an id no other check uses \(checks\[0\] has it\), received "health"$/ },

  // Schedules.
  { name: 'unsupported fixed period', mutate: (f) => { f.checks[0].schedule = '3m'; }, path: 'checks[0].schedule', message: /expected one of 1m, 2m, 5m, 10m, 15m, 30m, 1h or cron\(.*received "3m"/ },
  { name: 'cron without ?', mutate: (f) => { f.checks[0].schedule = 'cron(0 * * * * *)'; }, path: 'checks[0].schedule', message: /^exactly one of day-of-month and day-of-week must be "\?"/ },
  { name: 'cron with both ?', mutate: (f) => { f.checks[0].schedule = 'cron(0 * ? * ? *)'; }, path: 'checks[0].schedule', message: /exactly one of day-of-month and day-of-week/ },
  { name: 'cron with five fields', mutate: (f) => { f.checks[0].schedule = 'cron(0/5 * * * ?)'; }, path: 'checks[0].schedule', message: /expected 6 fields .* received 5/ },
  { name: 'a weekly schedule whose alarm window CloudWatch refuses', mutate: (f) => { f.checks[0].schedule = 'cron(0 9 ? * MON *)'; }, path: 'checks[0].schedule', message: /evaluationPeriods × schedule period at most|a schedule that runs at least once every/ },
  { name: 'cron minute out of range', mutate: (f) => { f.checks[0].schedule = 'cron(60 * * * ? *)'; }, path: 'checks[0].schedule', message: /^minutes: expected 0-59, received 60/ },
  { name: 'cron that never fires', mutate: (f) => { f.checks[0].schedule = 'cron(0 0 31 2 ? *)'; }, path: 'checks[0].schedule', message: /never fires/ },
  { name: 'cron # combined with a list', mutate: (f) => { f.checks[0].schedule = 'cron(0 0 ? * 2#1,3 *)'; }, path: 'checks[0].schedule', message: /stand alone/ },
  { name: 'rate expression', mutate: (f) => { f.defaults.schedule = 'rate(5 minutes)'; }, path: 'defaults.schedule', message: /rate expressions are written as a fixed period/ },

  // Testing-in-production rules.
  { name: 'POST without sideEffects', mutate: (f) => { f.checks[0].method = 'POST'; }, path: 'checks[0].method', message: /^POST may write to the service: expected GET, HEAD or OPTIONS, or sideEffects declared.*received POST without sideEffects$/ },
  { name: 'DELETE in a flow step without sideEffects', mutate: (f) => { f.checks[2].steps[1].method = 'DELETE'; }, path: 'checks[2].steps[1].method', message: /DELETE may write/ },
  { name: 'unknown method', mutate: (f) => { f.checks[0].method = 'FETCH'; }, path: 'checks[0].method', message: /expected one of "GET", "HEAD"/ },
  { name: 'sideEffects without a reason', mutate: (f) => { delete f.checks[1].sideEffects.reason; }, path: 'checks[1].sideEffects.reason', message: /missing required value/ },
  { name: 'sandbox sideEffects against a live environment', mutate: (f) => { f.checks[3].environments = ['sandbox', 'prod']; f.checks[3].url = '/orders'; }, path: 'checks[3].sideEffects.kind', message: /^sideEffects 'sandbox' really writes: .* received environment prod without sandbox: true$/ },
  { name: 'sandbox sideEffects targeting every environment', mutate: (f) => { delete f.checks[3].environments; f.checks[3].url = '/orders'; }, path: 'checks[3].sideEffects.kind', message: /received environments prod, prod-us without sandbox: true/ },
  { name: 'forbidden prefix outside a sandbox', mutate: (f) => { f.checks[0].url = '/payments/charge'; }, path: 'checks[0].url', message: /^the path matches forbidden path "\/payments" outside a sandbox: .*\(not prod, prod-us\), received "\/payments\/charge"$/ },
  { name: 'forbidden regular expression', mutate: (f) => { f.checks[0].url = '/refunds/42'; }, path: 'checks[0].url', message: /matches forbidden path "\/\^\\\\\/refunds\?\\\\\/\/"/ },
  { name: 'forbidden path in an absolute URL', mutate: (f) => { f.checks[0].url = 'https://shop.example.com/payments?x=1'; }, path: 'checks[0].url', message: /forbidden path "\/payments"/ },
  { name: 'forbidden path behind a percent-escape', mutate: (f) => { f.checks[0].url = '/%70ayments/charge'; }, path: 'checks[0].url', message: /forbidden path "\/payments"/ },
  { name: 'forbidden path in other case', mutate: (f) => { f.checks[0].url = '/Payments/charge'; }, path: 'checks[0].url', message: /forbidden path "\/payments"/ },
  { name: 'forbidden path reached through ..', mutate: (f) => { f.checks[0].url = '/api/../payments/charge'; }, path: 'checks[0].url', message: /forbidden path "\/payments"/ },
  { name: 'forbidden path in a flow step', mutate: (f) => { f.checks[2].steps[1].url = '/payments/me'; }, path: 'checks[2].steps[1].url', message: /forbidden path "\/payments"/ },
  { name: 'invalid forbidden regular expression', mutate: (f) => { f.forbiddenPaths.push('/(/'); }, path: 'forbiddenPaths[2]', message: /Invalid regular expression/ },
  { name: 'forbidden path without a slash', mutate: (f) => { f.forbiddenPaths.push('payments'); }, path: 'forbiddenPaths[2]', message: /a path prefix starts with "\/"/ },
  { name: 'stateful forbidden regular expression', mutate: (f) => { f.forbiddenPaths.push('/pay/g'); }, path: 'forbiddenPaths[2]', message: /g and y flags/ },

  // Literal secrets where a secret reference belongs.
  { name: 'literal bearer token', mutate: (f) => { f.checks[0].auth = { bearer: 'tok-123456' }; }, path: 'checks[0].auth.bearer', message: /^a credential must be a secret reference: expected secret\('name'\), received a literal string$/ },
  { name: 'literal basic password', mutate: (f) => { f.checks[3].auth.basic.password = 'hunter22'; }, path: 'checks[3].auth.basic.password', message: /received a literal string/ },
  { name: 'literal Authorization header', mutate: (f) => { f.checks[2].steps[1].headers.Authorization = 'Bearer abc123'; }, path: 'checks[2].steps[1].headers.Authorization', message: /^header "Authorization" holds a credential: expected secret\('name'\).*received a literal string$/ },
  { name: 'literal X-Api-Key default header', mutate: (f) => { f.defaults.headers['X-Api-Key'] = 'k-123456'; }, path: 'defaults.headers.X-Api-Key', message: /header "X-Api-Key" holds a credential/ },
  { name: 'literal *token* header', mutate: (f) => { f.environments.prod.headers = { 'X-Session-Token': 'abcdef' }; }, path: 'environments.prod.headers.X-Session-Token', message: /holds a credential/ },
  { name: 'literal Cookie header', mutate: (f) => { f.checks[0].headers = { Cookie: 'sid=abcdef' }; }, path: 'checks[0].headers.Cookie', message: /holds a credential/ },
  { name: 'literal password in a json body', mutate: (f) => { f.checks[1].body.json.password = 'wrong-password'; }, path: 'checks[1].body.json.password', message: /^field "password" holds a credential: expected a \{\{placeholder\}\} naming a secret variable, received a literal string$/ },
  { name: 'literal nested token in a json body', mutate: (f) => { f.checks[1].body.json.client = { accessToken: 'abcdef' }; }, path: 'checks[1].body.json.client.accessToken', message: /holds a credential/ },
  { name: 'secret() inside a json body', mutate: (f) => { f.checks[1].body.json.password = { $secret: 'probe-password' }; }, path: 'checks[1].body.json.password', message: /secret references are not filled inside JSON/ },
  { name: 'literal apiKey form field', mutate: (f) => { f.checks[2].steps[0].body.form.apiKey = 'k-123456'; }, path: 'checks[2].steps[0].body.form.apiKey', message: /form field "apiKey" holds a credential/ },
  { name: 'literal secret environment variable', mutate: (f) => { f.environments.prod.variables.apiToken = 'abcdef'; }, path: 'environments.prod.variables.apiToken', message: /variable "apiToken" holds a credential/ },
  { name: 'literal password environment variable', mutate: (f) => { f.environments.sandbox.variables.password = 'sandbox-pass'; }, path: 'environments.sandbox.variables.password', message: /received a literal string/ },
  { name: 'literal token query parameter', mutate: (f) => { f.checks[0].query.token = 'abcdef'; }, path: 'checks[0].query.token', message: /query parameter "token" holds a credential/ },
  { name: 'literal webhook URL', mutate: (f) => { f.alerting.chat.webhooks[0].url = 'https://hooks.example.com/abc'; }, path: 'alerting.chat.webhooks[0].url', message: /expected secret\('name'\), received a literal string/ },
  { name: 'literal PagerDuty key', mutate: (f) => { f.alerting.pager.pagerDutyRoutingKey = 'R0UT1NGKEY'; }, path: 'alerting.pager.pagerDutyRoutingKey', message: /received a literal string/ },
  { name: 'secret reference with a bad name', mutate: (f) => { f.defaults.headers['X-Api-Key'] = { $secret: 'has space' }; }, path: 'defaults.headers.X-Api-Key.$secret', message: /expected a secret name/ },

  // URLs.
  { name: 'runbook that is not a URL', mutate: (f) => { f.checks[0].runbook = 'wiki/health'; }, path: 'checks[0].runbook', message: /^expected an http:\/\/ or https:\/\/ URL, received "wiki\/health"$/ },
  { name: 'ftp baseUrl', mutate: (f) => { f.environments.prod.baseUrl = 'ftp://shop.example.com'; }, path: 'environments.prod.baseUrl', message: /^expected an http:\/\/ or https:\/\/ URL, received "ftp:\/\/shop.example.com"$/ },
  { name: 'baseUrl with credentials', mutate: (f) => { f.environments.prod.baseUrl = 'https://probe:s3cret-pass@shop.example.com'; }, path: 'environments.prod.baseUrl', message: /received a URL with a user name or password$/ },
  { name: 'missing baseUrl', mutate: (f) => { delete f.environments.prod.baseUrl; }, path: 'environments.prod.baseUrl', message: /missing required value/ },
  { name: 'relative URL without a slash', mutate: (f) => { f.checks[0].url = 'health'; }, path: 'checks[0].url', message: /expected an absolute http\(s\) URL or a path starting with \/, received "health"/ },
  { name: 'URL host from a variable missing somewhere', mutate: (f) => { f.environments.prod.variables.origin = 'https://a.example.com'; f.checks[0].url = '{{origin}}/health'; }, path: 'checks[0].url', message: /\{\{origin\}\} refers to nothing/ },
  { name: 'integration URL as a literal URL', mutate: (f) => { f.alerting.chat.integrationUrl = 'https://events.example.com/key-abc'; }, path: 'alerting.chat.integrationUrl', message: /^a credential must be a secret reference: expected secret\('name'\), received a literal string$/ },
  { name: 'httpsEndpoints (integration URL in an SNS subscription)', mutate: (f) => { f.alerting.pager.httpsEndpoints = [{ $secret: 'pd/cloudwatch-url' }]; delete f.alerting.pager.pagerDutyRoutingKey; }, path: 'alerting.pager.httpsEndpoints', message: /^httpsEndpoints is no longer supported: an integration URL in an SNS subscription is readable through the SNS API and is not refreshed when the secret rotates: expected integrationUrl: secret\('pd\/cloudwatch-url'\) / },
  { name: 'two PagerDuty routes on one topic', mutate: (f) => { f.alerting.pager.integrationUrl = { $secret: 'pd/cloudwatch-url' }; }, path: 'alerting.pager.pagerDutyRoutingKey', message: /^each would open its own incident for every page: expected either integrationUrl or pagerDutyRoutingKey on one route, not both, received both$/ },
  { name: 'literal token in the url query string', mutate: (f) => { f.checks[0].url = '/login?token=abc123secret'; }, path: 'checks[0].url', message: /^query parameter "token" in the URL holds a credential \(URLs are printed in reports and logs\): expected credentials in the query string only as \{\{placeholders\}\} naming secret variables, received "\/login" with a literal credential in its query string$/ },
  { name: 'literal api_key in a flow step url', mutate: (f) => { f.checks[2].steps[1].url = '/me?page=2&api_key=k-123456'; }, path: 'checks[2].steps[1].url', message: /^query parameter "api_key" in the URL holds a credential .*received "\/me" with a literal credential in its query string$/ },
  { name: 'literal access_token in an absolute url', mutate: (f) => { f.checks[0].url = 'https://shop.example.com/x?access_token=abc123#top'; }, path: 'checks[0].url', message: /^query parameter "access_token" in the URL holds a credential .*received "https:\/\/shop.example.com\/x" with a literal credential/ },
  { name: 'baseUrl with a query string', mutate: (f) => { f.environments.prod.baseUrl = 'https://shop.example.com/?lang=en'; }, path: 'environments.prod.baseUrl', message: /^expected an http:\/\/ or https:\/\/ URL without a query string or fragment \(check paths are appended to it; put query parameters on each check\), received "https:\/\/shop.example.com\/" with a query string$/ },
  { name: 'baseUrl with a fragment', mutate: (f) => { f.environments['prod-us'].baseUrl = 'https://us.shop.example.com/api#v2'; }, path: 'environments.prod-us.baseUrl', message: /received "https:\/\/us.shop.example.com\/api" with a fragment$/ },
  { name: 'baseUrl with a credential in its query', mutate: (f) => { f.environments.prod.baseUrl = 'https://shop.example.com/?api_key=abc123secret'; }, path: 'environments.prod.baseUrl', message: /^query parameter "api_key" in the URL holds a credential \(URLs are printed in reports and logs\): expected an http:\/\/ or https:\/\/ URL without a query string or fragment .*, received "https:\/\/shop.example.com\/" with a query string$/ },
  { name: 'bad email', mutate: (f) => { f.alerting.pager.emails[0] = 'oncall-at-example'; }, path: 'alerting.pager.emails[0]', message: /expected an email address/ },

  // References between parts of the fleet.
  { name: 'unknown environment', mutate: (f) => { f.checks[2].environments[1] = 'staging'; }, path: 'checks[2].environments[1]', message: /expected one of the fleet's environments \(prod, prod-us, sandbox\), received "staging"/ },
  { name: 'region outside the fleet', mutate: (f) => { f.checks[2].regions[0] = 'ap-south-1'; }, path: 'checks[2].regions[0]', message: /expected one of the fleet's regions \(eu-west-1, us-east-1\), received "ap-south-1"/ },
  { name: 'region listed twice in a check', mutate: (f) => { f.checks[2].regions.push('eu-west-1'); }, path: 'checks[2].regions[1]', message: /^duplicate region: expected each region once, received "eu-west-1"$/ },
  { name: 'environment listed twice in a check', mutate: (f) => { f.checks[2].environments.push('prod'); }, path: 'checks[2].environments[2]', message: /^duplicate environment/ },
  { name: 'malformed region', mutate: (f) => { f.regions[1] = 'US-EAST-1'; }, path: 'regions[1]', message: /expected an AWS region like eu-west-1, received "US-EAST-1"/ },
  { name: 'malformed home region', mutate: (f) => { f.homeRegion = 'europe'; }, path: 'homeRegion', message: /AWS region/ },
  { name: 'duplicate region', mutate: (f) => { f.regions.push('eu-west-1'); }, path: 'regions[2]', message: /duplicate region/ },
  { name: 'no environments', mutate: (f) => { f.environments = {}; f.checks = []; }, path: 'environments', message: /at least one environment/ },

  // Assertions.
  { name: 'json assertion path without $', mutate: (f) => { f.checks[0].assertions[4].path = 'status'; }, path: 'checks[0].assertions[4].path', message: /^expected a JSON path like \$\.a\.b, received "status"$/ },
  { name: 'json path with a dangling bracket', mutate: (f) => { f.checks[0].assertions[4].path = '$.items[0'; }, path: 'checks[0].assertions[4].path', message: /JSON path/ },
  { name: 'invalid regular expression', mutate: (f) => { f.checks[0].assertions[3].matches = '(json'; }, path: 'checks[0].assertions[3].matches', message: /Invalid regular expression.*expected a valid regular expression, received "\(json"/ },
  { name: 'unknown assertion type', mutate: (f) => { f.checks[0].assertions[0].type = 'latency'; }, path: 'checks[0].assertions[0].type', message: /expected one of "status", "header", "json", "body", "responseTime", "contentType", received "latency"/ },
  { name: 'status code out of range', mutate: (f) => { f.checks[0].assertions[0].equals = 999; }, path: 'checks[0].assertions[0].equals', message: /expected an integer from 100 to 599, received 999/ },
  { name: 'status range upside down', mutate: (f) => { f.checks[0].assertions[2] = { type: 'status', min: 500, max: 200 }; }, path: 'checks[0].assertions[2].max', message: /at least min \(500\)/ },
  { name: 'json assertion with nothing to check', mutate: (f) => { f.checks[0].assertions[4] = { type: 'json', path: '$.status' }; }, path: 'checks[0].assertions[4]', message: /a json assertion with nothing to check: expected at least one of equals, contains/ },
  { name: 'json length range upside down', mutate: (f) => { f.checks[0].assertions[6].length = { min: 5, max: 1 }; }, path: 'checks[0].assertions[6].length.max', message: /at least min \(5\)/ },
  { name: 'json comparison with Infinity', mutate: (f) => { f.checks[0].assertions[7].lt = Number.POSITIVE_INFINITY; }, path: 'checks[0].assertions[7].lt', message: /received Infinity/ },
  { name: 'responseTime without a bound', mutate: (f) => { f.checks[0].assertions[9] = { type: 'responseTime' }; }, path: 'checks[0].assertions[9].lessThanMs', message: /missing required value/ },

  // Requests.
  { name: 'body with json and text', mutate: (f) => { f.checks[1].body.text = 'x'; }, path: 'checks[1].body', message: /expected exactly one of json, text, form, received json and text/ },
  { name: 'invalid header name', mutate: (f) => { f.checks[0].headers = { 'X Team': 'a' }; }, path: 'checks[0].headers["X Team"]', message: /expected a header name/ },
  { name: 'placeholder in a basic user name', mutate: (f) => { f.checks[3].auth.basic.username = '{{user}}'; }, path: 'checks[3].auth.basic.username', message: /placeholders are not filled in auth.basic.username/ },
  { name: 'too many redirects', mutate: (f) => { f.checks[0].followRedirects = 50; }, path: 'checks[0].followRedirects', message: /from 0 to 20, received 50/ },

  // Flows and placeholders.
  { name: 'duplicate step name', mutate: (f) => { f.checks[2].steps[1].name = 'token'; }, path: 'checks[2].steps[1].name', message: /^duplicate step name: expected a step name not used before \(steps\[0\] has it\)/ },
  { name: 'placeholder naming nothing', mutate: (f) => { f.checks[2].steps[1].url = '/me/{{userId}}'; }, path: 'checks[2].steps[1].url', message: /^placeholder \{\{userId\}\} refers to nothing: expected an earlier step's extract or a variable defined in environments prod, prod-us, received \{\{userId\}\}$/ },
  { name: 'placeholder naming a later extract', mutate: (f) => { f.checks[2].steps[0].url = '/auth/token?t={{token}}'; }, path: 'checks[2].steps[0].url', message: /\{\{token\}\} is extracted only by a later step/ },
  { name: 'placeholder missing in some environments', mutate: (f) => { f.environments.prod.variables.tenant = 'a'; f.checks[0].url = '/t/{{tenant}}'; }, path: 'checks[0].url', message: /variable defined in environments prod-us, sandbox/ },
  { name: 'malformed placeholder', mutate: (f) => { f.checks[0].url = '/x/{{bad name}}'; }, path: 'checks[0].url', message: /malformed placeholder: .* received "\{\{bad name\}\}"/ },
  { name: 'placeholder in a header', mutate: (f) => { f.checks[2].steps[1].headers.Authorization = 'Bearer {{tokn}}'; }, path: 'checks[2].steps[1].headers.Authorization', message: /\{\{tokn\}\} refers to nothing/ },
  { name: 'extractor group the regex lacks', mutate: (f) => { f.checks[2].steps[0].extract.id.group = 2; }, path: 'checks[2].steps[0].extract.id.group', message: /expected a capture group from 0 to 1, received 2/ },
  { name: 'extractor from an unknown source', mutate: (f) => { f.checks[2].steps[0].extract.id = { from: 'cookie', name: 'sid' }; }, path: 'checks[2].steps[0].extract.id.from', message: /expected one of "json", "header", "body"/ },
  { name: 'empty flow', mutate: (f) => { f.checks[2].steps = []; }, path: 'checks[2].steps', message: /received an empty array/ },

  // dns, tcp, tls.
  { name: 'dns without hostname', mutate: (f) => { delete f.checks[5].hostname; }, path: 'checks[5].hostname', message: /missing required value/ },
  { name: 'dns record type', mutate: (f) => { f.checks[5].recordType = 'SRV'; }, path: 'checks[5].recordType', message: /expected one of "A", "AAAA", "CNAME", "TXT", "MX", received "SRV"/ },
  { name: 'dns resolver port', mutate: (f) => { f.checks[5].resolver = '127.0.0.1:99999'; }, path: 'checks[5].resolver', message: /DNS resolver/ },
  { name: 'dns resolver given as a host name', mutate: (f) => { f.checks[5].resolver = 'dns.google'; }, path: 'checks[5].resolver', message: /^a resolver is queried by address, not by host name: expected the IP address of a DNS resolver: IP, IPv4:port, or \[IPv6\]:port, received "dns.google"$/ },
  { name: 'dns resolver host name with a port', mutate: (f) => { f.checks[5].resolver = 'resolver.internal:5353'; }, path: 'checks[5].resolver', message: /^a resolver is queried by address, not by host name: .*received "resolver.internal:5353"$/ },
  { name: 'dns resolver IPv4 in brackets', mutate: (f) => { f.checks[5].resolver = '[10.0.0.2]:53'; }, path: 'checks[5].resolver', message: /^expected the IP address of a DNS resolver: IP, IPv4:port, or \[IPv6\]:port, received "\[10.0.0.2\]:53"$/ },
  { name: 'dns hostname with a scheme', mutate: (f) => { f.checks[5].hostname = 'https://shop.example.com'; }, path: 'checks[5].hostname', message: /no scheme, port or path/ },
  { name: 'dns NXDOMAIN and answers', mutate: (f) => { f.checks[5].expectNxdomain = true; }, path: 'checks[5].expectNxdomain', message: /cannot both not exist and have answers/ },
  { name: 'tcp without port', mutate: (f) => { delete f.checks[6].port; }, path: 'checks[6].port', message: /missing required value/ },
  { name: 'tcp reply with nothing to check', mutate: (f) => { f.checks[6].reply = {}; }, path: 'checks[6].reply', message: /expected contains, matches or both/ },
  { name: 'tls port zero', mutate: (f) => { f.checks[4].port = 0; }, path: 'checks[4].port', message: /received 0/ },
  { name: 'tls against a plain http environment', mutate: (f) => { f.checks[4].environments = ['sandbox']; }, path: 'checks[4].host', message: /a tls check needs a TLS endpoint: .*\(not sandbox\)/ },
  { name: 'missing kind', mutate: (f) => { delete f.checks[0].kind; }, path: 'checks[0].kind', message: /expected one of "http", "flow", "tls", "dns", "tcp", "browser", received nothing/ },

  // Alarm policy numbers.
  { name: 'datapointsToAlarm above evaluationPeriods', mutate: (f) => { f.alerting.policy.datapointsToAlarm = 4; }, path: 'alerting.policy.datapointsToAlarm', message: /expected at most evaluationPeriods \(3\), received 4/ },
  { name: 'fleet quorum above regions', mutate: (f) => { f.alerting.policy.quorum = 3; }, path: 'alerting.policy.quorum', message: /the quorum can never be reached: expected at most the number of regions the check runs in \(2\), received 3/ },
  { name: 'check quorum above its regions', mutate: (f) => { f.checks[2].alarm = { quorum: 2 }; }, path: 'checks[2].alarm.quorum', message: /\(1\), received 2/ },
  // One failing region never pages: quorum 1 only for a check that runs in one region.
  { name: 'quorum 1 in two regions', mutate: (f) => { f.checks[1].alarm = { quorum: 1 }; }, path: 'checks[1].alarm.quorum', message: /one failing region never pages: expected at least 2 when the check runs in 2 or more regions \(here 2; quorum 1 needs a single region\), received 1/ },
  { name: 'pages that is not a boolean', mutate: (f) => { f.environments.prod.pages = 'yes'; }, path: 'environments.prod.pages', message: /received "yes"|received yes|received 'yes'/ },
  { name: 'check datapoints above inherited periods', mutate: (f) => { f.checks[1].alarm.datapointsToAlarm = 4; }, path: 'checks[1].alarm.datapointsToAlarm', message: /at most evaluationPeriods \(3\)/ },
  { name: 'pager days above chat days', mutate: (f) => { f.alerting.policy.certificateDays = { chat: 7, pager: 21 }; }, path: 'alerting.policy.certificateDays.pager', message: /at most chat \(7\)/ },
  { name: 'unknown latency statistic', mutate: (f) => { f.alerting.policy.latencyStatistic = 'p999'; }, path: 'alerting.policy.latencyStatistic', message: /received "p999"/ },
  { name: 'Slack workspace id', mutate: (f) => { f.alerting.chat.slackChannels[0].workspaceId = 'my-team'; }, path: 'alerting.chat.slackChannels[0].workspaceId', message: /Slack workspace/ },

  // Elsewhere.
  { name: 'versions with a bad JSON path', mutate: (f) => { f.versions.shop.jsonPath = 'version'; }, path: 'versions.shop.jsonPath', message: /expected a JSON path like \$\.a\.b/ },
  { name: 'reserved namespace', mutate: (f) => { f.namespace = 'AWS/Probes'; }, path: 'namespace', message: /not starting with AWS\// },
  { name: 'CA PEM that is a private key', mutate: (f) => { f.environments['prod-us'].caCertificates[0] = { pem: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n' }; }, path: 'environments.prod-us.caCertificates[0].pem', message: /^expected PEM text with one or more CERTIFICATE blocks and nothing else, received PEM with PRIVATE KEY block\(s\); a private key never belongs in a fleet$/ },
  { name: 'CA PEM with no PEM block', mutate: (f) => { f.checks[0].caCertificates = [{ pem: 'ca.pem' }]; }, path: 'checks[0].caCertificates[0].pem', message: /received text with no PEM block$/ },
  { name: 'CA certificate without a file', mutate: (f) => { f.environments['prod-us'].caCertificates[0] = { path: 'ca.pem' }; }, path: 'environments.prod-us.caCertificates[0].path', message: /unknown key "path"/, count: 2 },
  { name: 'release that is not an object', mutate: (f) => { f.release = 'canary'; }, path: 'release', message: /expected an object.*, received "canary"$/ },
  { name: 'checks that are not an array', mutate: (f) => { f.checks = { health: {} }; }, path: 'checks', message: /expected an array of checks, received an object/ },
];

describe('validateFleet', () => {
  it('accepts the full valid fleet', () => {
    expect(validateFleet(validFleet())).toEqual({ ok: true, fleet: validFleet() });
  });

  it.each(cases)('$name → $path', ({ mutate, path, message, count }) => {
    const diagnostics = diagnosticsOf(mutate);
    const match = diagnostics.find((d) => d.path === path && message.test(d.message));
    expect(match, `no diagnostic at ${path} matching ${String(message)}; got:\n${formatDiagnostics(diagnostics)}`).toBeDefined();
    expect(diagnostics, formatDiagnostics(diagnostics)).toHaveLength(count ?? 1);
    // The message is the sentence the user reads; expected and received are its parts.
    expect(match?.message).toContain(`expected ${match?.expected ?? ''}, received ${match?.received ?? ''}`);
  });

  const accepted: { name: string; mutate: (fleet: Loose) => void }[] = [
    { name: 'a credential in the url query from a secret variable', mutate: (f) => { f.checks[0].url = '/login?token={{password}}&page=2'; } },
    { name: 'a neutral literal query parameter in the url', mutate: (f) => { f.checks[0].url = '/products?limit=1&token_type_hint=access'; } },
    { name: 'an IPv4 resolver', mutate: (f) => { f.checks[5].resolver = '10.0.0.2'; } },
    { name: 'a bare IPv6 resolver', mutate: (f) => { f.checks[5].resolver = '2001:db8::53'; } },
    { name: 'an IPv6 resolver with a port', mutate: (f) => { f.checks[5].resolver = '[::1]:5353'; } },
    { name: 'a baseUrl with a path', mutate: (f) => { f.environments.prod.baseUrl = 'https://shop.example.com/api/v2'; } },
  ];
  it.each(accepted)('accepts $name', ({ mutate }) => {
    const diagnostics = diagnosticsOf(mutate);
    expect(diagnostics, formatDiagnostics(diagnostics)).toEqual([]);
  });

  it('reports every problem at once, in the order of the definition', () => {
    const diagnostics = diagnosticsOf((f) => {
      f.homeRegion = 'nowhere';
      f.environments.prod.baseUrl = 'not a url';
      f.checks[0].schedule = '7m';
      f.checks[1].id = 'health';
      f.checks[3].auth.basic.password = 'hunter22';
      f.checks[0].assertions[4].path = 'status';
    });
    expect(diagnostics.map((d) => d.path)).toEqual([
      'homeRegion',
      'environments.prod.baseUrl',
      'checks[0].schedule',
      'checks[0].assertions[4].path',
      'checks[1].id',
      'checks[3].auth.basic.password',
    ]);
  });

  it('rejects something that is not an object at all', () => {
    const result = validateFleet([]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics).toEqual([{ path: '(fleet)', expected: 'a fleet definition object (defineFleet({ … }))', received: 'an array of 0 items', message: 'expected a fleet definition object (defineFleet({ … })), received an array of 0 items' }]);
  });

  it('never prints a literal secret value', () => {
    const planted = 'PLANTED-s3cr3t-VALUE';
    const diagnostics = diagnosticsOf((f) => {
      f.checks[0].auth = { bearer: planted };
      f.checks[0].headers = { Authorization: `Bearer ${planted}`, 'X-Api-Key': planted };
      f.checks[1].body.json.password = planted;
      f.checks[2].steps[0].body.form.password = planted;
      f.environments.prod.variables.secretKey = planted;
      f.environments['prod-us'].baseUrl = `https://probe:${planted}@shop.example.com`;
      f.alerting.chat.webhooks[0].url = `https://hooks.example.com/${planted}`;
      f.alerting.chat.integrationUrl = `http://events.example.com/${planted}`;
      f.alerting.pager.pagerDutyRoutingKey = planted;
      f.checks[0].url = `/health?token=${planted}`;
      f.environments.sandbox.baseUrl = `http://127.0.0.1:8080/?api_key=${planted}`;
    });
    expect(diagnostics).toHaveLength(12);
    const text = formatDiagnostics(diagnostics) + JSON.stringify(diagnostics);
    expect(text).not.toContain(planted);
    expect(text).not.toContain('s3cr3t');
  });

  it('never prints a literal numeric secret either', () => {
    const planted = 987654321;
    const diagnostics = diagnosticsOf((f) => {
      f.environments.prod.variables.password = planted;
      f.checks[1].body.json.password = planted;
      f.checks[0].query.apiKey = planted;
      f.checks[3].auth.basic.password = planted;
      f.alerting.pager.pagerDutyRoutingKey = planted;
      f.checks[0].headers = { 'X-Api-Key': planted };
    });
    expect(diagnostics.map((d) => d.received)).toEqual(Array(6).fill('a literal number'));
    expect(formatDiagnostics(diagnostics) + JSON.stringify(diagnostics)).not.toContain(String(planted));
  });
});

describe('formatDiagnostics and ConfigError', () => {
  const diagnostics: Diagnostic[] = [
    { path: 'checks[3].assertions[0].path', expected: 'a JSON path like $.a.b', received: '"status"', message: 'expected a JSON path like $.a.b, received "status"' },
    { path: 'checks[1].id', expected: 'an id no other check uses', received: '"health"', message: 'duplicate id: expected an id no other check uses, received "health"' },
  ];

  it('prints a count header and one line per problem', () => {
    expect(formatDiagnostics(diagnostics).split('\n')).toEqual([
      'Invalid fleet definition: 2 problems (fix them and run again; nothing ran or deployed)',
      '  checks[3].assertions[0].path: expected a JSON path like $.a.b, received "status"',
      '  checks[1].id: duplicate id: expected an id no other check uses, received "health"',
    ]);
    expect(formatDiagnostics(diagnostics.slice(0, 1))).toMatch(/^Invalid fleet definition: 1 problem \(/);
  });

  it('is an error value with a stable kind carrying every diagnostic', () => {
    const error = new ConfigError(diagnostics, 'probes.config.ts');
    expect(error).toBeInstanceOf(Error);
    expect(error.kind).toBe('config_invalid');
    expect(error.retryable).toBe(false);
    expect(error.diagnostics).toBe(diagnostics);
    expect(error.message).toBe(`probes.config.ts\n${formatDiagnostics(diagnostics)}`);
  });
});
