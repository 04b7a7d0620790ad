/** Lines longer than this are cut and logged in pieces, so one endless line cannot grow memory. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * One output stream of a process: emits each complete line as it arrives and keeps a
 * bounded tail of the text for the step's outputs.
 */
export class LineCapture {
  private partial = '';
  private chunks: string[] = [];
  private kept = 0;
  private total = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly tailChars = 64 * 1024,
  ) {}

  push(chunk: string): void {
    this.keep(chunk);
    let newline = chunk.indexOf('\n');
    if (newline < 0) {
      this.partial += chunk;
      if (this.partial.length >= MAX_LINE_CHARS) this.flush();
      return;
    }
    this.emitLine(this.partial + chunk.slice(0, newline));
    let start = newline + 1;
    while ((newline = chunk.indexOf('\n', start)) >= 0) {
      this.emitLine(chunk.slice(start, newline));
      start = newline + 1;
    }
    this.partial = chunk.slice(start);
  }

  /** Emits the unterminated last line, if any. */
  flush(): void {
    if (this.partial !== '') this.emitLine(this.partial);
    this.partial = '';
  }

  /** The captured tail without its final newline; starts at a line boundary when cut. */
  text(): string {
    let text = this.chunks.join('');
    if (this.total > this.tailChars) {
      text = text.slice(-this.tailChars);
      const newline = text.indexOf('\n');
      if (newline >= 0 && newline < text.length - 1) text = text.slice(newline + 1);
    }
    if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
    return text;
  }

  /** The last non-empty line of the tail (for one-line error messages). */
  lastLine(): string {
    const lines = this.text().split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]?.trim();
      if (line) return line;
    }
    return '';
  }

  private emitLine(line: string): void {
    this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  private keep(chunk: string): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
    this.total += chunk.length;
    // Compact only when twice the limit is held, so the cost per chunk stays constant.
    if (this.kept > 2 * this.tailChars) {
      const tail = this.chunks.join('').slice(-this.tailChars);
      this.chunks = [tail];
      this.kept = tail.length;
    }
  }
}
