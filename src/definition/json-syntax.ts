import { MAX_NESTING } from './limits.js';

/**
 * Find the first JSON syntax error and its offset. JSON files are parsed through the YAML
 * parser (JSON is YAML 1.2) to get positions, but YAML is more lenient (`{"a": }` is valid
 * YAML), so JSON is checked against its own grammar first, with messages that say what was
 * expected where.
 */
export function findJsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { offset: err.offset, message: err.message };
    throw err;
  }
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

class JsonScanner {
  private i = 0;

  constructor(private readonly text: string) {}

  document(): void {
    if (this.text.charCodeAt(0) === 0xfeff) this.i = 1;
    this.space();
    if (this.i >= this.text.length) this.fail('the file is empty: expected a JSON object');
    this.value(0);
    this.space();
    if (this.i < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the JSON value`);
  }

  private value(depth: number): void {
    if (depth > MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
    const ch = this.text[this.i];
    if (ch === '{') this.object(depth);
    else if (ch === '[') this.array(depth);
    else if (ch === '"') this.string();
    else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) this.number();
    else if (!this.word('true') && !this.word('false') && !this.word('null')) this.fail(`expected a value, found ${this.describe()}`);
  }

  private object(depth: number): void {
    this.i++;
    this.space();
    if (this.text[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') {
        this.fail(this.text[this.i] === '}' ? 'trailing comma before }' : `expected a property name in double quotes, found ${this.describe()}`);
      }
      this.string();
      this.space();
      if (this.text[this.i] !== ':') this.fail(`expected ':' after the property name, found ${this.describe()}`);
      this.i++;
      this.space();
      this.value(depth + 1);
      this.space();
      const next = this.text[this.i];
      if (next === '}') {
        this.i++;
        return;
      }
      if (next !== ',') this.fail(`expected ',' or '}' after a property value, found ${this.describe()}`);
      this.i++;
    }
  }

  private array(depth: number): void {
    this.i++;
    this.space();
    if (this.text[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.space();
      if (this.text[this.i] === ']') this.fail('trailing comma before ]');
      this.value(depth + 1);
      this.space();
      const next = this.text[this.i];
      if (next === ']') {
        this.i++;
        return;
      }
      if (next !== ',') this.fail(`expected ',' or ']' after an array item, found ${this.describe()}`);
      this.i++;
    }
  }

  private string(): void {
    const start = this.i;
    this.i++;
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c === 34 /* " */) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail(c === 10 ? 'unterminated string (a newline inside a string must be written \\n)' : 'control character inside a string');
      if (c === 92 /* \ */) {
        const e = this.text[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape: expected 4 hex digits');
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.fail(`bad escape '\\${e ?? ''}' in a string`);
        this.i += 2;
        continue;
      }
      this.i++;
    }
    this.i = start;
    this.fail('unterminated string');
  }

  private number(): void {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!match) this.fail(`bad number, found ${this.describe()}`);
    this.i += match[0].length;
    const next = this.text[this.i];
    if (next !== undefined && /[0-9A-Za-z.]/.test(next)) this.fail(`bad number, found ${this.describe()}`);
  }

  private word(w: string): boolean {
    if (!this.text.startsWith(w, this.i)) return false;
    this.i += w.length;
    return true;
  }

  private space(): void {
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      this.i++;
    }
  }

  private describe(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    const ch = this.text[this.i] ?? '';
    const word = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.i, this.i + 40));
    return word ? `'${word[0]}'` : `'${ch}'`;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, Math.min(this.i, this.text.length));
  }
}
