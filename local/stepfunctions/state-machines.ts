import { type ArnScope, isValidName, stateMachineArn } from './arns.ts';
import { type PreparedDefinition, prepareDefinition } from './definition.ts';
import type { JsonFileStore } from './json-file-store.ts';
import { decodePageToken, encodePageToken, pageSize } from './pagination.ts';
import type { StateMachineRecord } from './records.ts';
import { compact, optionalString, type Request, requiredString } from './requests.ts';
import { SfnError } from './sfn-error.ts';

const FOLDER = 'state-machines';

/** The role ARN used when a caller registers a state machine without one. */
export function defaultRoleArn(scope: ArnScope): string {
  return `arn:aws:iam::${scope.accountId}:role/signoff-local-state-machine`;
}

/** The registered state machines: CreateStateMachine, ListStateMachines, DescribeStateMachine. */
export class StateMachines {
  private readonly records = new Map<string, StateMachineRecord>();
  private readonly prepared = new Map<string, PreparedDefinition>();

  constructor(
    private readonly scope: ArnScope,
    private readonly store: JsonFileStore,
    private readonly warn: (message: string) => void,
  ) {
    for (const record of store.readAll<StateMachineRecord>(FOLDER))
      this.records.set(record.stateMachineArn, record);
  }

  /** Registers a definition, replacing the one of the same name: what the local runtime does at startup. */
  put(name: string, definition: string, roleArn?: string): StateMachineRecord {
    const arn = this.checkedArn(name);
    this.prepare(arn, definition);
    const existing = this.records.get(arn);
    const record: StateMachineRecord = {
      stateMachineArn: arn,
      name,
      definition,
      roleArn: roleArn ?? existing?.roleArn ?? defaultRoleArn(this.scope),
      type: 'STANDARD',
      creationDate: existing?.creationDate ?? Date.now(),
    };
    this.records.set(arn, record);
    this.store.save(FOLDER, name, () => record);
    return record;
  }

  /** CreateStateMachine: idempotent for an identical definition, else StateMachineAlreadyExists. */
  create(request: Request): { stateMachineArn: string; creationDate: Date } {
    const name = requiredString(request, 'name');
    const definition = requiredString(request, 'definition');
    const roleArn = requiredString(request, 'roleArn');
    const type = optionalString(request, 'type') ?? 'STANDARD';
    if (type !== 'STANDARD') {
      throw new SfnError('ValidationException', `type ${type} is not supported locally; use STANDARD`);
    }
    const existing = this.records.get(this.checkedArn(name));
    if (existing && (existing.definition !== definition || existing.roleArn !== roleArn)) {
      throw new SfnError(
        'StateMachineAlreadyExists',
        `State Machine Already Exists: '${existing.stateMachineArn}'`,
      );
    }
    const record = existing ?? this.put(name, definition, roleArn);
    return { stateMachineArn: record.stateMachineArn, creationDate: new Date(record.creationDate) };
  }

  /** ListStateMachines, in name order, paginated. */
  list(request: Request): { stateMachines: Record<string, unknown>[]; nextToken?: string } {
    const size = pageSize(request.maxResults);
    const start = decodePageToken(request.nextToken) ?? 0;
    const all = [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name));
    const page = all.slice(start, start + size);
    return compact({
      stateMachines: page.map((record) => ({
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        type: record.type,
        creationDate: new Date(record.creationDate),
      })),
      nextToken: start + size < all.length ? encodePageToken(start + size) : undefined,
    });
  }

  /** DescribeStateMachine: the definition exactly as it was registered. */
  describe(request: Request): Record<string, unknown> {
    const record = this.get(requiredString(request, 'stateMachineArn'));
    return {
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: 'ACTIVE',
      definition: record.definition,
      roleArn: record.roleArn,
      type: record.type,
      creationDate: new Date(record.creationDate),
    };
  }

  /** The record of a state machine, or StateMachineDoesNotExist. */
  get(arn: string): StateMachineRecord {
    if (!arn.startsWith('arn:')) throw new SfnError('InvalidArn', `Invalid Arn: '${arn}'`);
    const record = this.records.get(arn);
    if (!record) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return record;
  }

  /** The runnable form of a state machine's current definition. */
  runnable(record: StateMachineRecord): PreparedDefinition {
    return (
      this.prepared.get(record.stateMachineArn) ?? this.prepare(record.stateMachineArn, record.definition)
    );
  }

  private prepare(arn: string, definition: string): PreparedDefinition {
    const prepared = prepareDefinition(definition);
    if (prepared.tasksWithDefaultTimeout.length > 0) {
      this.warn(
        `${arn}: Task states without TimeoutSeconds (${prepared.tasksWithDefaultTimeout.join(', ')}) ` +
          'stop after 60 s locally (AWS has no default limit)',
      );
    }
    this.prepared.set(arn, prepared);
    return prepared;
  }

  private checkedArn(name: string): string {
    if (!isValidName(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    return stateMachineArn(this.scope, name);
  }
}
