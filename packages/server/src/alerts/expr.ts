/**
 * The expression language of alert rules (`expr:`): a small, safe language over
 * the metric names of a monitor result — parsed into a tree and evaluated by a
 * tree walk, never by `eval`.
 *
 * ```
 * expr    := or
 * or      := and  (("or" | "||") and)*
 * and     := not  (("and" | "&&") not)*
 * not     := ("not" | "!") not | cmp
 * cmp     := sum  (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
 * sum     := prod (("+" | "-") prod)*
 * prod    := unary (("*" | "/" | "%") unary)*
 * unary   := ("-" | "+") unary | primary
 * primary := number | name | func "(" expr ("," expr)* ")" | "(" expr ")"
 * func    := abs | min | max
 * ```
 *
 * - Names are the result's metric names (`dataset_drift_share`, `f1`,
 *   `drift_score`, …): letters, digits and `_`, not starting with a digit.
 * - Numbers: `12`, `0.5`, `.5`, `1e-3`.
 * - Comparisons and `and`/`or`/`not` give 1 (true) or 0 (false); `and`/`or`
 *   treat any non-zero value as true.
 * - A name with no value in the result (a metric that could not be computed,
 *   or that the monitor does not produce), a division or remainder by zero, or
 *   any non-finite intermediate value makes the whole expression have **no
 *   value** (`null`): the rule then has no verdict for that window (like a
 *   missing sample in Prometheus). There is no short-circuit around a missing
 *   value: `x > 1 or y > 1` has no value while `y` has none.
 *
 * Limits: 1000 characters, 64 levels of nesting, 256 nodes.
 */

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<' | '<=' | '>' | '>=' | '==' | '!=' | 'and' | 'or';
export type FuncName = 'abs' | 'min' | 'max';

export type Expr =
  | { type: 'number'; value: number }
  | { type: 'name'; name: string }
  | { type: 'unary'; op: '-' | 'not'; arg: Expr }
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { type: 'call'; fn: FuncName; args: Expr[] };

export const MAX_EXPR_LENGTH = 1000;
const MAX_DEPTH = 64;
const MAX_NODES = 256;
const FUNCS: Record<FuncName, { min: number; max: number }> = { abs: { min: 1, max: 1 }, min: { min: 2, max: 16 }, max: { min: 2, max: 16 } };
export const COMPARISON_OPS = ['<', '<=', '>', '>=', '==', '!='] as const;

/** A syntax error, with the 0-based character position. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'ExprError';
  }
}

type Token =
  | { kind: 'num'; value: number; pos: number; text: string }
  | { kind: 'name'; value: string; pos: number; text: string }
  | { kind: 'op'; value: string; pos: number; text: string }
  | { kind: 'end'; value: ''; pos: number; text: string };

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '!'];
const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    NUMBER_RE.lastIndex = i;
    const num = NUMBER_RE.exec(src);
    if (num && /[\d.]/.test(c)) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) throw new ExprError(`the number ${num[0]} is out of range`, i);
      out.push({ kind: 'num', value, pos: i, text: num[0] });
      i += num[0].length;
      continue;
    }
    NAME_RE.lastIndex = i;
    const name = NAME_RE.exec(src);
    if (name) {
      out.push({ kind: 'name', value: name[0], pos: i, text: name[0] });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', value: op, pos: i, text: op });
      i += op.length;
      continue;
    }
    if (c === '=') throw new ExprError('unexpected "=" (use == to compare)', i);
    throw new ExprError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  out.push({ kind: 'end', value: '', pos: src.length, text: 'the end' });
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not']);

class Parser {
  private i = 0;
  private nodes = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return (t.kind === 'op' && ops.includes(t.value)) || (t.kind === 'name' && ops.includes(t.value) && KEYWORDS.has(t.value));
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private node<T extends Expr>(e: T, depth: number, pos: number): T {
    if (++this.nodes > MAX_NODES) throw new ExprError(`the expression is too large (more than ${MAX_NODES} parts)`, pos);
    if (depth > MAX_DEPTH) throw new ExprError(`the expression is nested too deeply (more than ${MAX_DEPTH} levels)`, pos);
    return e;
  }

  parse(): Expr {
    const e = this.or(0);
    const t = this.peek();
    if (t.kind !== 'end') throw new ExprError(`unexpected ${describe(t)}`, t.pos);
    return e;
  }

  private or(d: number): Expr {
    let left = this.and(d);
    while (this.isOp('or', '||')) {
      const t = this.next();
      left = this.node({ type: 'binary', op: 'or', left, right: this.and(d) }, d, t.pos);
    }
    return left;
  }

  private and(d: number): Expr {
    let left = this.not(d);
    while (this.isOp('and', '&&')) {
      const t = this.next();
      left = this.node({ type: 'binary', op: 'and', left, right: this.not(d) }, d, t.pos);
    }
    return left;
  }

  private not(d: number): Expr {
    if (this.isOp('not', '!')) {
      const t = this.next();
      if (d + 1 > MAX_DEPTH) throw new ExprError(`the expression is nested too deeply (more than ${MAX_DEPTH} levels)`, t.pos);
      return this.node({ type: 'unary', op: 'not', arg: this.not(d + 1) }, d + 1, t.pos);
    }
    return this.cmp(d);
  }

  private cmp(d: number): Expr {
    const left = this.sum(d);
    if (this.isOp(...COMPARISON_OPS)) {
      const t = this.next();
      const e = this.node({ type: 'binary', op: t.value as BinaryOp, left, right: this.sum(d) }, d, t.pos);
      if (this.isOp(...COMPARISON_OPS)) {
        const u = this.peek();
        throw new ExprError(`comparisons do not chain: use "and" (e.g. a < b and b < c) near ${describe(u)}`, u.pos);
      }
      return e;
    }
    return left;
  }

  private sum(d: number): Expr {
    let left = this.prod(d);
    while (this.isOp('+', '-')) {
      const t = this.next();
      left = this.node({ type: 'binary', op: t.value as BinaryOp, left, right: this.prod(d) }, d, t.pos);
    }
    return left;
  }

  private prod(d: number): Expr {
    let left = this.unary(d);
    while (this.isOp('*', '/', '%')) {
      const t = this.next();
      left = this.node({ type: 'binary', op: t.value as BinaryOp, left, right: this.unary(d) }, d, t.pos);
    }
    return left;
  }

  private unary(d: number): Expr {
    if (this.isOp('-', '+')) {
      const t = this.next();
      if (d + 1 > MAX_DEPTH) throw new ExprError(`the expression is nested too deeply (more than ${MAX_DEPTH} levels)`, t.pos);
      const arg = this.unary(d + 1);
      return t.value === '+' ? arg : this.node({ type: 'unary', op: '-', arg }, d + 1, t.pos);
    }
    return this.primary(d);
  }

  private primary(d: number): Expr {
    const t = this.next();
    if (t.kind === 'num') return this.node({ type: 'number', value: t.value }, d, t.pos);
    if (t.kind === 'name') {
      if (KEYWORDS.has(t.value)) throw new ExprError(`unexpected "${t.value}"`, t.pos);
      if (this.isOp('(')) {
        if (!Object.hasOwn(FUNCS, t.value)) throw new ExprError(`unknown function "${t.value}" (functions: ${Object.keys(FUNCS).join(', ')})`, t.pos);
        const fn = t.value as FuncName;
        this.next();
        const args = [this.or(d + 1)];
        while (this.isOp(',')) {
          this.next();
          args.push(this.or(d + 1));
        }
        const close = this.next();
        if (close.kind !== 'op' || close.value !== ')') throw new ExprError(`expected ")" after the arguments of ${fn} (got ${describe(close)})`, close.pos);
        const arity = FUNCS[fn];
        if (args.length < arity.min || args.length > arity.max) {
          throw new ExprError(`${fn} takes ${arity.min === arity.max ? arity.min : `${arity.min} to ${arity.max}`} argument${arity.max === 1 ? '' : 's'} (got ${args.length})`, t.pos);
        }
        return this.node({ type: 'call', fn, args }, d, t.pos);
      }
      return this.node({ type: 'name', name: t.value }, d, t.pos);
    }
    if (t.kind === 'op' && t.value === '(') {
      if (d + 1 > MAX_DEPTH) throw new ExprError(`the expression is nested too deeply (more than ${MAX_DEPTH} levels)`, t.pos);
      const e = this.or(d + 1);
      const close = this.next();
      if (close.kind !== 'op' || close.value !== ')') throw new ExprError(`expected ")" (got ${describe(close)})`, close.pos);
      return e;
    }
    throw new ExprError(`expected a number, a metric name or "(" (got ${describe(t)})`, t.pos);
  }
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'the end of the expression' : `"${t.text}"`;
}

/** Parses an expression; throws {@link ExprError} naming the position and the problem. */
export function parseExpr(src: string): Expr {
  if (typeof src !== 'string' || src.trim() === '') throw new ExprError('the expression is empty', 0);
  if (src.length > MAX_EXPR_LENGTH) throw new ExprError(`the expression is longer than ${MAX_EXPR_LENGTH} characters`, MAX_EXPR_LENGTH);
  return new Parser(tokenize(src)).parse();
}

/** A parse problem as one message, e.g. `position 7: unexpected ")"`, or null when it parses. */
export function exprProblem(src: string): string | null {
  try {
    parseExpr(src);
    return null;
  } catch (e) {
    if (e instanceof ExprError) return `position ${e.position + 1}: ${e.message}`;
    throw e;
  }
}

/** The metric names an expression reads, in first-use order. */
export function exprNames(e: Expr, out: string[] = []): string[] {
  switch (e.type) {
    case 'name':
      if (!out.includes(e.name)) out.push(e.name);
      break;
    case 'unary':
      exprNames(e.arg, out);
      break;
    case 'binary':
      exprNames(e.left, out);
      exprNames(e.right, out);
      break;
    case 'call':
      for (const a of e.args) exprNames(a, out);
      break;
  }
  return out;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * The value of an expression with metric values from `lookup` (`null` or
 * `undefined`: no value). `null` when any value it needs is missing or an
 * intermediate value is not finite (see the module comment).
 */
export function evalExpr(e: Expr, lookup: (name: string) => number | null | undefined): number | null {
  switch (e.type) {
    case 'number':
      return e.value;
    case 'name': {
      const v = lookup(e.name);
      return typeof v === 'number' ? finite(v) : null;
    }
    case 'unary': {
      const a = evalExpr(e.arg, lookup);
      if (a === null) return null;
      return e.op === '-' ? -a : a === 0 ? 1 : 0;
    }
    case 'call': {
      const args: number[] = [];
      for (const x of e.args) {
        const v = evalExpr(x, lookup);
        if (v === null) return null;
        args.push(v);
      }
      return e.fn === 'abs' ? Math.abs(args[0]) : e.fn === 'min' ? Math.min(...args) : Math.max(...args);
    }
    case 'binary': {
      const a = evalExpr(e.left, lookup);
      if (a === null) return null;
      const b = evalExpr(e.right, lookup);
      if (b === null) return null;
      switch (e.op) {
        case '+':
          return finite(a + b);
        case '-':
          return finite(a - b);
        case '*':
          return finite(a * b);
        case '/':
          return b === 0 ? null : finite(a / b);
        case '%':
          return b === 0 ? null : finite(a % b);
        case '<':
          return a < b ? 1 : 0;
        case '<=':
          return a <= b ? 1 : 0;
        case '>':
          return a > b ? 1 : 0;
        case '>=':
          return a >= b ? 1 : 0;
        case '==':
          return a === b ? 1 : 0;
        case '!=':
          return a !== b ? 1 : 0;
        case 'and':
          return a !== 0 && b !== 0 ? 1 : 0;
        case 'or':
          return a !== 0 || b !== 0 ? 1 : 0;
      }
    }
  }
}

/** Whether `value op threshold` holds (the rule's condition). */
export function compare(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
    default:
      throw new Error(`unknown comparison ${op}`);
  }
}

/** The expression written back (fully parenthesised where needed), for messages and the API. */
export function formatExpr(e: Expr): string {
  switch (e.type) {
    case 'number':
      return String(e.value);
    case 'name':
      return e.name;
    case 'unary':
      return e.op === '-' ? `-${wrap(e.arg)}` : `not ${wrap(e.arg)}`;
    case 'call':
      return `${e.fn}(${e.args.map(formatExpr).join(', ')})`;
    case 'binary':
      return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
  }
}

function wrap(e: Expr): string {
  return e.type === 'binary' || (e.type === 'unary' && e.op === 'not') ? `(${formatExpr(e)})` : formatExpr(e);
}
