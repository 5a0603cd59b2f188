import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The CLI source entry, run through tsx like in development. */
export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** tsx's loader by absolute URL, so the CLI can run from any working directory. */
const TSX = import.meta.resolve('tsx');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node ARGV` and collects its exit code and output. */
export function spawnNode(argv: string[], cwd: string, env: Record<string, string | undefined>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Spawns `modelwatch ARGS` (node + tsx, development conditions) and collects its output. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
  return spawnNode(['--conditions=development', '--import', TSX, CLI, ...args], options.cwd ?? REPO, { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', MODELWATCH_DEBUG: '', ...options.env });
}

/**
 * A strict well-formedness check of an XML document (no DTDs): one root,
 * balanced tags, quoted attributes without raw `<` or `&`, text without raw
 * `<`, only the predefined and numeric entities, and only characters XML 1.0
 * allows. Returns the elements in document order with their decoded attributes.
 */
export function parseXml(xml: string): { name: string; attrs: Record<string, string>; text: string; depth: number }[] {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].charCodeAt(0).toString(16)} is not allowed in XML`);
  const decode = (s: string, where: string): string => {
    if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(s)) throw new Error(`unescaped markup in ${where}: ${s.slice(0, 80)}`);
    return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
      e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
    );
  };
  let rest = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: { name: string; attrs: Record<string, string>; text: string; depth: number }[] = [];
  const out: typeof stack = [];
  let roots = 0;
  while (rest.length) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    if (text.trim()) {
      if (!stack.length) throw new Error('text outside the root element');
      stack[stack.length - 1].text += decode(text, 'text');
    }
    if (lt < 0) break;
    rest = rest.slice(lt);
    const m = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*\s*=\s*"[^"]*")*)\s*(\/?)>/.exec(rest);
    if (!m) throw new Error(`malformed tag at: ${rest.slice(0, 80)}`);
    const [whole, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> does not close <${open?.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const a of attrText.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"/g)) {
        if (Object.hasOwn(attrs, a[1])) throw new Error(`duplicate attribute ${a[1]}`);
        attrs[a[1]] = decode(a[2], `attribute ${a[1]}`);
      }
      if (!stack.length) roots++;
      const el = { name, attrs, text: '', depth: stack.length };
      out.push(el);
      if (!selfClose) stack.push(el);
    }
    rest = rest.slice(whole.length);
  }
  if (stack.length) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (roots !== 1) throw new Error(`expected one root element, found ${roots}`);
  return out;
}
