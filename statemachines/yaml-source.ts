import { type Document, isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';

/** One problem found in a file, with where it is. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Formats a problem as `file:line:column: message`, the shape editors jump to. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}

export type PathSegment = string | number;

/** A parsed YAML file that can say where any value in it is. */
export interface YamlSource {
  file: string;
  value: unknown;
  problems: Problem[];
  /** The position of the value at `path`, or of its nearest existing parent. */
  at(path: readonly PathSegment[], opts?: { key?: boolean }): { line: number; column: number };
  problem(path: readonly PathSegment[], message: string, opts?: { key?: boolean }): Problem;
  /**
   * A problem at character `index` of the one-line string at `path` (an expression's error), or
   * at the value itself when it spans lines or is not a string.
   */
  problemInString(path: readonly PathSegment[], index: number, message: string): Problem;
}

/** Parses YAML text, keeping node positions; syntax errors become problems, never throws. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  let doc: Document.Parsed | undefined;
  const problems: Problem[] = [];
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    problems.push({ file, line: 1, column: 1, message: `cannot parse YAML: ${String(error)}` });
  }
  for (const e of doc?.errors ?? []) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({ file, line: pos.line, column: pos.col, message: `YAML syntax: ${firstLine(e.message)}` });
  }
  let value: unknown;
  if (doc && problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      problems.push({ file, line: 1, column: 1, message: `cannot read YAML: ${firstLine(String(error))}` });
    }
  }

  const at = (path: readonly PathSegment[], opts: { key?: boolean } = {}) => {
    const offset = doc ? findOffset(doc, path, opts.key ?? false) : 0;
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  const inString = (path: readonly PathSegment[], index: number) => {
    const node = doc ? findNode(doc, path) : undefined;
    const start = rangeStart(node);
    if (!isScalar(node) || start === undefined || typeof node.value !== 'string' || node.value.includes('\n'))
      return at(path);
    const quoted = node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE' ? 1 : 0;
    const plain = node.type === 'PLAIN' || quoted === 1;
    const pos = lines.linePos(start + (plain ? quoted + Math.min(index, node.value.length) : 0));
    return { line: pos.line, column: pos.col };
  };
  return {
    file,
    value,
    problems,
    at,
    problem: (path, message, opts) => ({ file, ...at(path, opts), message }),
    problemInString: (path, index, message) => ({ file, ...inString(path, index), message }),
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Walks the document along `path`: the deepest node found, its start offset, and whether the whole path led there. */
function walk(
  doc: Document.Parsed,
  path: readonly PathSegment[],
  wantKey: boolean,
): { node: unknown; offset: number; found: boolean } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return { node, offset, found: false };
      if (last && wantKey) return { node: pair.key, offset: rangeStart(pair.key) ?? offset, found: true };
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (node && typeof node === 'object' && 'items' in node && typeof segment === 'number') {
      const item = (node as { items: unknown[] }).items[segment];
      if (item === undefined) return { node, offset, found: false };
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      return { node, offset, found: false };
    }
  }
  return { node, offset, found: true };
}

/** The start offset of the deepest node along `path`. */
function findOffset(doc: Document.Parsed, path: readonly PathSegment[], wantKey: boolean): number {
  return walk(doc, path, wantKey).offset;
}

/** The node at `path`, or undefined when the path does not lead to one. */
function findNode(doc: Document.Parsed, path: readonly PathSegment[]): unknown {
  const found = walk(doc, path, false);
  return found.found ? found.node : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
