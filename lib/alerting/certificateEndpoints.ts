// The certificate alarms a fleet needs: one pair per TLS endpoint (`host:port`), whatever
// number of checks and environments share it, so an expiring certificate pages once instead of
// once per check on that host. The probe publishes `CertificateDaysRemaining` {Fleet, Endpoint}
// under the same endpoint names.
import type { Check, Fleet } from '../model/fleet.js';
import { certificateEndpoints } from '../publish/cloudwatch/certificateEndpoints.js';
import { alarmPolicyFor, environmentPages, type CertificatePolicy } from './policy.js';

/**
 * The endpoints one check sees a certificate on against one environment, known before any
 * run. One derivation, the publisher's (lib/publish/cloudwatch/certificateEndpoints.ts), so the
 * alarm reads exactly the `Endpoint` dimension the probe writes. Endpoints reached only through
 * redirects, and hosts that hold a secret or a value a flow step extracts, are not listed: no
 * alarm can name them in advance.
 */
export function certificateEndpointsOf(fleet: Pick<Fleet, 'environments'>, check: Check, environment: string): string[] {
  return certificateEndpoints(fleet, check, environment);
}

/** One check against one environment, as far as certificates are concerned. */
export interface CertificateDependent {
  /** The `Check` dimension of the target (`<checkId>` or `<checkId>.<environment>`). */
  target: string;
  check: Check;
  environment: string;
}

export interface CertificateEndpointPlan {
  endpoint: string;
  /** Every target that sees this certificate, in fleet order. */
  dependents: CertificateDependent[];
  /** The most cautious of the dependents' thresholds: the largest warning and critical days. */
  chatDays: number;
  pagerDays: number;
  /** The critical alarm pages when any dependent environment pages; else it posts to chat too. */
  pages: boolean;
  policy: CertificatePolicy;
}

/** The certificate alarms a fleet needs: one plan per endpoint, in order of first appearance. */
export function planCertificateEndpoints(fleet: Fleet, targets: readonly CertificateDependent[]): CertificateEndpointPlan[] {
  const plans = new Map<string, CertificateEndpointPlan>();
  for (const t of targets) {
    const policy = alarmPolicyFor(fleet, t.check).certificate;
    if (!policy) continue;
    for (const endpoint of certificateEndpointsOf(fleet, t.check, t.environment)) {
      const pages = environmentPages(fleet, t.environment);
      const plan = plans.get(endpoint);
      if (!plan) {
        plans.set(endpoint, { endpoint, dependents: [t], chatDays: policy.chatDays, pagerDays: policy.pagerDays, pages, policy });
        continue;
      }
      if (!plan.dependents.includes(t)) plan.dependents.push(t);
      plan.chatDays = Math.max(plan.chatDays, policy.chatDays);
      plan.pagerDays = Math.max(plan.pagerDays, policy.pagerDays);
      plan.pages ||= pages;
    }
  }
  return [...plans.values()];
}
