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
  return {
    file,
    value,
    problems,
    at,
    problem: (path, message, opts) => ({ file, ...at(path, opts), message }),
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** Walks the document along `path` and returns the start offset of the deepest node found. */
function findOffset(doc: Document.Parsed, path: readonly PathSegment[], wantKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return offset;
      if (last && wantKey) return rangeStart(pair.key) ?? offset;
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (node && typeof node === 'object' && 'items' in node && typeof segment === 'number') {
      const item = (node as { items: unknown[] }).items[segment];
      if (item === undefined) return offset;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
