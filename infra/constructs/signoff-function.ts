/**
 * A signoff Lambda function with the house defaults: Node.js 22 on arm64, bundled locally by
 * esbuild (minified, ESM, source maps), `workflows/` and `config/` copied into the bundle,
 * Powertools settings, X-Ray tracing, its own log group with retention, and its own role.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/metric-names.ts';
import { copyRuntimeFiles, ESM_REQUIRE_BANNER, LAMBDA_BUNDLE_ALIASES, NODE_TARGET } from './bundling.ts';
import { acknowledge } from './nag.ts';

/** What makes one function different from the others. */
export interface SignoffFunctionProps {
  /** The repository root: `package-lock.json`, `functions/`, `workflows/`, `config/`. */
  projectRoot: string;
  /** The handler module, relative to the project root. */
  entry: string;
  functionName: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  /** The validated workflows and directory (`writeDeployedConfig`), copied into the bundle. */
  deployedConfigFile: string;
  /** Files besides `workflows/` and `config/` the handler reads at run time (relative to the root). */
  extraFiles?: readonly string[];
  logRetention?: RetentionDays;
}

/** A Lambda function built from one handler folder, with the house defaults. */
export class SignoffFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SignoffFunctionProps) {
    super(scope, id);
    const entry = join(props.projectRoot, props.entry);
    if (!existsSync(entry)) {
      throw new Error(`${props.entry} does not exist: the function ${props.functionName} has no handler`);
    }
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      // The audit trail is the record that matters; function logs go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.functionName} function`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      description: props.description,
      entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // Events carry task tokens and signatures: never log them whole.
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces map to file:line without shipping every source file inside the map.
        sourcesContent: false,
        target: NODE_TARGET,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        bundleAwsSDK: true,
        esbuildArgs: {
          '--alias': Object.entries(LAMBDA_BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
        },
        forceDockerBundling: false,
        logLevel: LogLevel.ERROR,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) =>
            copyRuntimeFiles(inputDir, outputDir, props.deployedConfigFile, props.extraFiles),
        },
      },
    });
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions, so AWS requires Resource "*".',
    );
    acknowledge(
      this,
      'AwsSolutions-L1',
      'signoff pins Node.js 22 (an LTS runtime Lambda supports) so the deployed bundle matches the Node.js version it is built and tested for; moving to a newer runtime is a deliberate upgrade.',
    );
  }
}
