/**
 * The HTTP API (API Gateway v2): every route of `functions/routes.ts` to its function, a
 * `$default` stage with throttling and JSON access logs (never the query string, which can
 * carry an approval link's capability).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpFunction, Route } from '../../functions/routes.ts';
import { acknowledge } from './nag.ts';

/** Steady-state requests per second and burst the `$default` stage allows. */
export const THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** What the API is made from. */
export interface SignoffHttpApiProps {
  apiName: string;
}

const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  userAgent: '$context.identity.userAgent',
};

/** The API and its `$default` stage. */
export class SignoffHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: SignoffHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'signoff: webhooks, Slack interactions, approval pages, JSON API',
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    acknowledge(
      this.api,
      'AwsSolutions-APIG4',
      'Every route authenticates in its handler, as the callers cannot use IAM or JWT authorizers: GitHub, Slack and webhook senders sign the raw body with a shared secret (HMAC, timing-safe compare), approval links carry a signed expiring capability, pages use a session from a one-time sign-in link or the company identity provider (OpenID Connect, checked in the signin function) and the JSON API a hashed bearer token; /api/health and the sign-in pages are public by design.',
    );
  }

  /** Routes each of `routes` to the function its `fn` names (one Lambda integration per function). */
  addRoutes(routes: readonly Route[], functions: ReadonlyMap<HttpFunction, IFunction>): void {
    const integrations = new Map<HttpFunction, HttpLambdaIntegration>();
    for (const route of routes) {
      const fn = functions.get(route.fn);
      if (!fn)
        throw new Error(`internal: route ${route.method} ${route.path} needs the ${route.fn} function`);
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.fn}-Integration`, fn);
        integrations.set(route.fn, integration);
      }
      this.api.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration });
    }
  }

  /** The API's base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }
}
