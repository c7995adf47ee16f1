import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvironmentSettings } from '../environments.js';
import type { FunctionId, RouteSpec } from '../topology.js';

export interface SyncHttpApiProps {
  readonly apiName: string;
  readonly routes: readonly RouteSpec[];
  /** What answers a request no route matches (`$default`), instead of API Gateway's own 404 body. */
  readonly defaultRoute: { readonly function: FunctionId };
  readonly functionFor: (id: FunctionId) => lambda.IFunction;
  readonly throttle: EnvironmentSettings['apiThrottle'];
  readonly logRetention: logs.RetentionDays;
}

/**
 * The HTTP API: one route per topology route, IAM (SigV4) authorization on internal routes,
 * a throttled `$default` stage with JSON access logs.
 */
export class SyncHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SyncHttpApiProps) {
    super(scope, id);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'CRM sync: provider webhooks, platform lead events and internal operations',
      createDefaultStage: false,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        // HTTP API context variables differ from REST's, so the REST helper
        // `jsonWithStandardFields` does not fit: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            caller: '$context.identity.userArn',
          }),
        ),
      },
    });

    const integrations = new Map<FunctionId, HttpLambdaIntegration>();
    const integrationFor = (functionId: FunctionId): HttpLambdaIntegration => {
      let integration = integrations.get(functionId);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${functionId}-integration`, props.functionFor(functionId));
        integrations.set(functionId, integration);
      }
      return integration;
    };
    const iamAuthorizer = new HttpIamAuthorizer();
    const noAuthorizer = new apigwv2.HttpNoneAuthorizer();

    for (const route of props.routes) {
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: integrationFor(route.function),
        authorizer: route.auth === 'iam' ? iamAuthorizer : noAuthorizer,
      });
      if (httpRoute && route.auth !== 'iam') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            route.auth === 'signature'
              ? `${route.method} ${route.path} is called by a provider that cannot sign with AWS credentials; the handler verifies the provider's signature before doing anything.`
              : `${route.method} ${route.path} is public by contract (CONTRACT.md) and touches no data.`,
        });
      }
    }
    const defaultRoute = new apigwv2.HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: apigwv2.HttpRouteKey.DEFAULT,
      integration: integrationFor(props.defaultRoute.function),
      authorizer: noAuthorizer,
    });
    Validations.of(defaultRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The $default route answers the contract\'s 404 to a request no route matches; it reads no data.',
    });
  }

  /** The stage's invoke URL. */
  get url(): string {
    return this.stage.url;
  }
}
