/**
 * Resolves the CloudFormation intrinsic functions a synthesized signoff template uses (Ref,
 * Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split) to the values of resources made in moto,
 * as CloudFormation would at deploy time.
 */

/** What each logical id resolves to: `ref` for Ref, `attributes` for Fn::GetAtt. */
export interface PhysicalResource {
  ref: string;
  attributes?: Record<string, string>;
}

/** The values a deployment knows: pseudo parameters and the resources made so far. */
export interface Deployment {
  pseudo: Record<string, string>;
  resources: Map<string, PhysicalResource>;
}

/** Thrown for a reference to a resource that was not made (yet). */
export class UnresolvedError extends Error {
  override name = 'UnresolvedError';
}

function ref(deployment: Deployment, name: string): string {
  const pseudo = deployment.pseudo[name];
  if (pseudo !== undefined) return pseudo;
  const resource = deployment.resources.get(name);
  if (!resource) throw new UnresolvedError(`Ref ${name}: no such resource made`);
  return resource.ref;
}

function getAtt(deployment: Deployment, name: string, attribute: string): string {
  const value = deployment.resources.get(name)?.attributes?.[attribute];
  if (value === undefined) throw new UnresolvedError(`Fn::GetAtt ${name}.${attribute}: not made`);
  return value;
}

function sub(deployment: Deployment, template: string, vars: Record<string, unknown>): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name in vars) return resolveString(deployment, vars[name]);
    const [logical, attribute] = name.split('.');
    return attribute ? getAtt(deployment, logical as string, attribute) : ref(deployment, name);
  });
}

/** Resolves a template value to plain JSON (strings, lists, objects). */
export function resolve(deployment: Deployment, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(deployment, v));
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const arg = v[key];
    switch (key) {
      case 'Ref':
        return ref(deployment, String(arg));
      case 'Fn::GetAtt': {
        const [name, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as string[];
        return getAtt(deployment, name as string, attribute as string);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(deployment, parts) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Sub': {
        const [template, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
        return sub(deployment, template, vars);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        return (resolve(deployment, list) as unknown[])[Number(resolve(deployment, index))];
      }
      case 'Fn::Split': {
        const [sep, source] = arg as [string, unknown];
        return resolveString(deployment, source).split(sep);
      }
      default:
        if (key.startsWith('Fn::')) throw new Error(`intrinsic ${key} is not supported by the test deployer`);
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(deployment, x)]));
}

/** Resolves a value that must be a string. */
export function resolveString(deployment: Deployment, value: unknown): string {
  const resolved = resolve(deployment, value);
  if (typeof resolved !== 'string' && typeof resolved !== 'number') {
    throw new Error(`expected a string, got ${JSON.stringify(resolved)}`);
  }
  return String(resolved);
}
