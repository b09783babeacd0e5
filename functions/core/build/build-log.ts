/** The build's log: every line goes to the console as it comes and is kept for `log.txt`. */
export class BuildLog {
  private readonly chunks: string[] = [];

  constructor(private readonly echo: (text: string) => void) {}

  /** Appends raw output (already newline-terminated or a partial chunk). */
  write(text: string): void {
    this.chunks.push(text);
    this.echo(text);
  }

  /** Appends one line. */
  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** Everything written so far. */
  text(): string {
    return this.chunks.join('');
  }
}
