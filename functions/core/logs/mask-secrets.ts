/**
 * Masks secrets in build log lines before anyone sees them: the values of the secrets signoff
 * knows, and the shapes common credentials have (AWS access keys and secret keys, GitHub and
 * Slack tokens, bearer tokens, private key blocks). A private key block spans lines, and may
 * span pages of a log: whether a page ended inside one is the `inPrivateKey` state the caller
 * carries to the next page.
 */

/** What a masked value is replaced with. */
export const MASK = '****';

/** Known values shorter than this are not masked: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 6;

/** Credential shapes; each replacement keeps the label and masks the value. */
const TOKEN_SHAPES: { pattern: RegExp; replace: string }[] = [
  // AWS access key ids (IAM User Guide, "Unique identifiers": AKIA long-term, ASIA temporary, ...).
  { pattern: /\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|APKA|ABIA|ACCA)[A-Z0-9]{16}\b/g, replace: MASK },
  // A secret access key is 40 base64 characters: masked where it is labelled as one.
  {
    pattern:
      /\b(aws_secret_access_key|secret_access_key|SecretAccessKey|aws_session_token|SessionToken)(["']?\s*[:=]\s*["']?)[A-Za-z0-9/+=]{16,}/gi,
    replace: `$1$2${MASK}`,
  },
  // GitHub tokens (classic: ghp_, gho_, ghu_, ghs_, ghr_; fine-grained: github_pat_).
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, replace: MASK },
  // Slack tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, xoxe-).
  { pattern: /\bxox[abeoprs]-[A-Za-z0-9-]{10,}/g, replace: MASK },
  // Authorization headers and the like: `Bearer <token>` (RFC 6750 b64token).
  { pattern: /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, replace: `$1 ${MASK}` },
  // `password=...`, `token: ...`, `api_key="..."` in tool output and URLs.
  {
    pattern:
      /\b([A-Za-z0-9_]*(?:password|passwd|secret|token|api[_-]?key)["']?\s*[:=]\s*["']?)([^\s"'&,;]{4,})/gi,
    replace: `$1${MASK}`,
  },
];

const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;
const KEY_END = /-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;

/** Masks lines of one log, page after page. */
export interface LogMasker {
  /**
   * The lines with every secret masked. `inPrivateKey`: the previous page ended inside a
   * private key block; the result says whether this page does.
   */
  mask(lines: readonly string[], inPrivateKey?: boolean): { lines: string[]; inPrivateKey: boolean };
}

/** A masker for the given secret values (empty and very short values are ignored). */
export function createLogMasker(secrets: readonly string[]): LogMasker {
  const known = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  const maskLine = (line: string): string => {
    let out = line;
    // Known values first, longest first: one may contain another.
    for (const secret of known) out = out.split(secret).join(MASK);
    for (const { pattern, replace } of TOKEN_SHAPES) out = out.replace(pattern, replace);
    return out;
  };
  return {
    mask(lines, inPrivateKey = false) {
      let inside = inPrivateKey;
      const out = lines.map((line) => {
        if (inside) {
          const end = KEY_END.exec(line);
          if (!end) return MASK;
          inside = false;
          return `${MASK}${maskLine(line.slice(end.index))}`;
        }
        const begin = KEY_BEGIN.exec(line);
        if (!begin) return maskLine(line);
        const head = maskLine(line.slice(0, begin.index + begin[0].length));
        const rest = line.slice(begin.index + begin[0].length);
        const end = KEY_END.exec(rest);
        if (end) return `${head}${MASK}${maskLine(rest.slice(end.index))}`;
        inside = true;
        return rest === '' ? head : `${head}${MASK}`;
      });
      return { lines: out, inPrivateKey: inside };
    },
  };
}

/** Environment variable names whose values are secrets (credentials, tokens, passwords, keys). */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|ACCESS_KEY/i;

/**
 * The values of the secret-looking variables of an environment a build inherits (the local
 * build runner passes the shell's environment on), for `createLogMasker`.
 */
export function secretEnvironmentValues(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(
      ([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH,
    )
    .map(([, value]) => value as string);
}
