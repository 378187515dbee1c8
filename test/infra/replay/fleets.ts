// The fleets the scenarios replay. `replayFleet` holds one of each thing a scenario needs:
// a 1-minute and a 5-minute critical check, a check that reads a secret, a business-hours
// check, an hourly check, and many checks on one TLS host (its certificate is shared).
import type { Check, Fleet } from '../../../lib/model/fleet.js';
import { httpCheck } from '../synth.js';

export const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-1'] as const;
export const SHOP_ENDPOINT = 'shop.example.com:443';
export const BUSINESS_HOURS = 'cron(0/5 8-17 ? * MON-FRI *)';

/** Checks on the shop host beyond the named ones: a realistic fleet has many per host. */
export const SHOP_PAGES = 12;

export function replayFleet(extra: Check[] = []): Fleet {
  return {
    name: 'shop',
    homeRegion: 'eu-west-1',
    regions: [...REGIONS],
    environments: { production: { baseUrl: 'https://shop.example.com' } },
    checks: [
      httpCheck('checkout-health', { schedule: '1m' }),
      httpCheck('cart-page', { schedule: '5m' }),
      { ...httpCheck('catalog-search', { service: 'catalog', owner: 'team-catalog', schedule: '5m' }), auth: { bearer: { $secret: 'catalog/token' } } } as Check,
      httpCheck('backoffice', { service: 'backoffice', owner: 'team-backoffice', schedule: BUSINESS_HOURS, url: 'https://backoffice.example.com/health' }),
      httpCheck('nightly-export', { service: 'exports', owner: 'team-data', schedule: '1h', url: 'https://exports.example.com/health' }),
      ...Array.from({ length: SHOP_PAGES }, (_, i) => httpCheck(`page-${i + 1}`, { service: 'storefront', owner: 'team-web', severity: 'warning', schedule: '10m', url: `/page/${i + 1}` })),
      ...extra,
    ],
    alerting: {
      pager: { emails: ['oncall@example.com'] },
      chat: { emails: ['sre@example.com'] },
    },
  };
}
