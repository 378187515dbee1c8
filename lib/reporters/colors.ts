// ANSI colours for terminals only: never in files, pipes or CI logs, and never when NO_COLOR is set.
import type { OutputStream } from './reporter.js';

export interface Palette {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** https://no-color.org: a non-empty NO_COLOR disables colour; so does anything that is not a TTY. */
export function shouldColor(stream: OutputStream, env: NodeJS.ProcessEnv): boolean {
  const noColor = env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

const plain = (text: string): string => text;
const wrap =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

export function palette(enabled: boolean): Palette {
  if (!enabled) return { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
