/**
 * The browser finder that every browser test uses (../support/browser.ts): LOCKLAB_CHROMIUM
 * first, then an installed Chromium or Chrome on PATH, then the one inside the npm package. With
 * no browser on PATH at all (a fresh machine after `npm ci`), the npm one is unpacked and renders
 * a page; two processes unpacking at once end with one complete copy.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import { execa } from 'execa';
import { chromium } from 'playwright-core';
import { BROWSER_ENV, BrowserNotFound, findBrowser, HEADLESS_ARGS, unpackNpmBrowser } from '../support/browser.ts';

const npmBrowserHere = process.platform === 'linux' && process.arch === 'x64';

function fakeExecutable(dir: string, name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

test('LOCKLAB_CHROMIUM wins; then an installed browser on PATH; a named file that is not there is an error', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-browser-'));
  try {
    const mine = fakeExecutable(dir, 'my-chrome');
    const bin = path.join(dir, 'bin');
    mkdirSync(bin);
    const installed = fakeExecutable(bin, 'chromium');
    fakeExecutable(bin, 'google-chrome');

    const named = await findBrowser({ [BROWSER_ENV]: mine, PATH: bin });
    t.deepEqual([named.source, named.executable], ['env', mine]);
    const onPath = await findBrowser({ PATH: `${path.join(dir, 'nothing')}${path.delimiter}${bin}` });
    t.deepEqual([onPath.source, onPath.executable], ['installed', installed], 'chromium before google-chrome');
    await t.throwsAsync(findBrowser({ [BROWSER_ENV]: path.join(dir, 'absent'), PATH: bin }), { instanceOf: BrowserNotFound, message: /LOCKLAB_CHROMIUM=.*absent is not an executable file/ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no browser on PATH: the npm package\'s Chromium is used, and renders a page', async (t) => {
  if (!npmBrowserHere) return t.pass(`the npm browser is for Linux x64; this is ${process.platform} ${process.arch}`);
  t.timeout(300_000, 'the first start unpacks the browser');
  const empty = mkdtempSync(path.join(tmpdir(), 'locklab-no-path-'));
  try {
    const choice = await findBrowser({ PATH: empty });
    t.is(choice.source, 'npm', choice.why);
    t.log(choice.why);
    const browser = await chromium.launch({ executablePath: choice.executable, args: HEADLESS_ARGS, env: { PATH: empty } });
    try {
      const page = await browser.newPage();
      await page.setContent('<canvas id="c" width="10" height="10"></canvas><p>locklab</p>');
      // Runs in the page, as source text (no DOM types here).
      const drawn = await page.evaluate(`(() => {
        const ctx = document.getElementById('c').getContext('2d');
        ctx.fillStyle = '#ff0000';
        ctx.fillRect(0, 0, 10, 10);
        return [...ctx.getImageData(5, 5, 1, 1).data];
      })()`);
      t.deepEqual(drawn, [255, 0, 0, 255]);
      t.is(await page.textContent('p'), 'locklab');
      t.true((await page.screenshot()).length > 100, 'a screenshot');
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('two processes unpacking at once: one complete copy, no half-written binary, no staging left behind', async (t) => {
  if (!npmBrowserHere) return t.pass(`the npm browser is for Linux x64; this is ${process.platform} ${process.arch}`);
  t.timeout(300_000, 'two unpacks of about 200 MB');
  const dir = mkdtempSync(path.join(tmpdir(), 'locklab-unpack-'));
  try {
    const cache = path.join(dir, '143');
    const [a, b] = await Promise.all([unpackNpmBrowser(cache), unpackNpmBrowser(cache)]);
    t.is(a, path.join(cache, 'chromium'));
    t.is(b, a);
    t.deepEqual(readdirSync(dir), ['143'], 'the loser\'s staging folder is removed');
    const version = await execa(a, ['--version'], { reject: false });
    t.is(version.exitCode, 0, String(version.stderr));
    t.regex(String(version.stdout), /^Chromium \d+\./);
    t.is(await unpackNpmBrowser(cache), a, 'already there: not unpacked again');
    t.true(existsSync(path.join(cache, 'libGLESv2.so')), 'with its graphics libraries');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
