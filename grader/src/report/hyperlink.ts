/**
 * A trace page lives in a hidden folder (`.locklab/traces/`) that file managers do not show, so
 * on a terminal its path is printed as something to click: an OSC 8 hyperlink where the terminal
 * is known to support them (the text stays the short path), else the `file://` URL, which most
 * terminals make clickable by themselves. Into a file or a pipe, the plain path.
 *
 * Support is detected as the `supports-hyperlinks` package does: `FORCE_HYPERLINK` decides if
 * set; otherwise terminals that announce themselves (Windows Terminal, iTerm2, WezTerm, VS Code,
 * kitty, GNOME's VTE, Konsole, ...), never in CI, tmux or screen (which may not pass them on).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isCI } from './live-status.ts';

export interface LinkTarget {
  isTTY?: boolean;
}

const atLeast = (version: string | undefined, major: number, minor = 0): boolean => {
  const [a = 0, b = 0] = (version ?? '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  return a > major || (a === major && b >= minor);
};

/** Whether OSC 8 hyperlinks written to `stream` will show as links. */
export function supportsHyperlinks(stream: LinkTarget, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_HYPERLINK;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (!stream.isTTY || env.TERM === 'dumb') return false;
  if (isCI(env)) return false;
  if (env.TMUX || env.STY || env.TERM?.startsWith('screen') || env.TERM?.startsWith('tmux')) return false;
  if (env.WT_SESSION || env.KONSOLE_VERSION || env.KITTY_WINDOW_ID || env.TERM === 'xterm-kitty' || env.TERM === 'xterm-ghostty') return true;
  if (env.VTE_VERSION && Number.parseInt(env.VTE_VERSION, 10) >= 5000) return true;
  switch (env.TERM_PROGRAM) {
    case 'iTerm.app':
      return atLeast(env.TERM_PROGRAM_VERSION, 3, 1);
    case 'WezTerm':
      return atLeast(env.TERM_PROGRAM_VERSION, 20200620);
    case 'vscode':
      return atLeast(env.TERM_PROGRAM_VERSION, 1, 72);
    case 'ghostty':
      return true;
  }
  return false;
}

/** OSC 8: `text` that opens `url` when clicked. */
export function hyperlink(url: string, text: string): string {
  return `\x1b]8;;${url}\x07${text}\x1b]8;;\x07`;
}

/** How a local file's path is shown: a hyperlink, a `file://` URL, or the path as given. */
export type PathStyle = 'hyperlink' | 'url' | 'plain';

export function pathStyle(stream: LinkTarget, env: NodeJS.ProcessEnv): PathStyle {
  if (!stream.isTTY) return 'plain';
  return supportsHyperlinks(stream, env) ? 'hyperlink' : 'url';
}

/** `file` (relative to `cwd`, or absolute) shown in the given style. */
export function showFile(file: string, style: PathStyle, cwd = process.cwd()): string {
  if (style === 'plain') return file;
  const url = pathToFileURL(path.resolve(cwd, file)).href;
  return style === 'hyperlink' ? hyperlink(url, file) : url;
}
