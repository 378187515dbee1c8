// The fleets the IAM layer synthesizes: the demo, a three-region fleet with two environments
// and every on-call route (PagerDuty, Slack through Chatbot and a webhook), and an
// eleven-region fleet (a quorum split into groups, a PagerDuty integration URL).
import { resolve } from 'node:path';
import { loadFleet } from '../../../lib/config/loadFleet.js';
import type { Check, Fleet } from '../../../lib/model/fleet.js';
import { httpCheck } from '../synth.js';

export function demoFleet(): Promise<Fleet> {
  return loadFleet(resolve('demo/probes.config.ts'));
}

export function threeRegionFleet(): Fleet {
  return {
    name: 'shop',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1', 'us-east-1', 'ap-southeast-1'],
    environments: {
      production: { baseUrl: 'https://shop.example.com', headers: { 'x-api-key': { $secret: 'shop/prod-api-key' } } },
      staging: { baseUrl: 'https://staging.shop.example.com', variables: { password: { $secret: 'shop/staging-password' } } },
    },
    checks: [
      { ...httpCheck('checkout-health', { schedule: '1m', maxMs: 1500 }), auth: { bearer: { $secret: 'checkout/token' } } } as Check,
      httpCheck('cart-page', { severity: 'warning', schedule: '5m', environments: ['production'] }),
      { ...httpCheck('catalog-search', { service: 'catalog', owner: 'team-catalog', schedule: '10m' }), auth: { bearer: { $secret: 'catalog/token' } } } as Check,
    ],
    alerting: {
      pager: { pagerDutyRoutingKey: { $secret: 'pd/routing-key' } },
      chat: {
        emails: ['sre@example.com'],
        slackChannels: [{ workspaceId: 'T0001', channelId: 'C0001', name: 'alerts' }],
        webhooks: [{ kind: 'slack', url: { $secret: 'slack/webhook' } }],
      },
    },
  };
}

export const ELEVEN_REGIONS = [
  'eu-west-1', 'eu-west-2', 'eu-central-1', 'eu-north-1', 'us-east-1', 'us-east-2',
  'us-west-2', 'ca-central-1', 'sa-east-1', 'ap-southeast-1', 'ap-northeast-1',
];

export function elevenRegionFleet(): Fleet {
  return {
    name: 'global',
    homeRegion: 'us-east-1',
    regions: ELEVEN_REGIONS,
    environments: { production: { baseUrl: 'https://global.example.com' } },
    checks: [
      { ...httpCheck('login', { schedule: '5m' }), auth: { bearer: { $secret: 'global/login-token' } } } as Check,
      httpCheck('home', { schedule: '1m', service: 'web', owner: 'team-web' }),
    ],
    alerting: {
      pager: { integrationUrl: { $secret: 'pd/cloudwatch-url' }, emails: ['oncall@example.com'] },
      chat: { webhooks: [{ kind: 'teams', url: { $secret: 'teams/webhook' } }] },
    },
  };
}
