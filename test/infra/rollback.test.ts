// Rollback wiring: the per-service composite is what a deployment watches.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { Alias, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { expect, it } from 'vitest';
import { httpCheck, smallFleet, synth } from './synth.js';

it('a LambdaDeploymentGroup in the home region rolls back on the service composite', () => {
  const s = synth(smallFleet());
  const service = new Stack(s.app, 'CheckoutService', { env: { region: 'eu-west-1' } });
  const fn = new LambdaFunction(service, 'Checkout', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({})') });
  const alias = new Alias(service, 'Live', { aliasName: 'live', version: fn.currentVersion });
  new LambdaDeploymentGroup(service, 'Deploy', {
    alias,
    deploymentConfig: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
    alarms: [s.fleet.serviceAlarm('checkout')],
  });
  const template = Template.fromStack(service);
  template.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
    AlarmConfiguration: { Enabled: true, Alarms: [{ Name: Match.anyValue() }] },
    AutoRollbackConfiguration: { Enabled: true, Events: Match.arrayWith(['DEPLOYMENT_STOP_ON_ALARM']) },
  });
  const alarms = JSON.stringify(template.findResources('AWS::CodeDeploy::DeploymentGroup'));
  // The alarm name crosses stacks as an import of the services stack's composite.
  expect(alarms).toMatch(/Fn::ImportValue.*Servicecheckout/);
});

it('with staging and production checks, a production deployment rolls back on the production composite only', () => {
  const s = synth(
    smallFleet({
      regions: ['eu-west-1'],
      environments: { production: { baseUrl: 'https://shop.example.com' }, staging: { baseUrl: 'https://staging.shop.example.com' } },
      checks: [httpCheck('checkout-health')],
    }),
  );
  const service = new Stack(s.app, 'CheckoutService', { env: { region: 'eu-west-1' } });
  const fn = new LambdaFunction(service, 'Checkout', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({})') });
  const alias = new Alias(service, 'Live', { aliasName: 'live', version: fn.currentVersion });
  new LambdaDeploymentGroup(service, 'Deploy', {
    alias,
    deploymentConfig: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
    alarms: [s.fleet.serviceAlarm('checkout', 'production')],
  });
  const group = JSON.stringify(Template.fromStack(service).findResources('AWS::CodeDeploy::DeploymentGroup'));
  expect(group).toMatch(/Fn::ImportValue.*ServiceEnvcheckoutproduction/);
  expect(group).not.toMatch(/staging/);
  const outputs = JSON.stringify(Template.fromStack(s.fleet.servicesStack).toJSON());
  expect(outputs).toContain('probe-fleet/shop/service/checkout.staging');
});
