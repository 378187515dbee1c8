// Rollback wiring: the per-service composite is what a deployment watches.
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LambdaDeploymentConfig, LambdaDeploymentGroup } from 'aws-cdk-lib/aws-codedeploy';
import { Alias, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { expect, it } from 'vitest';
import { smallFleet, synth } from './synth.js';

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
