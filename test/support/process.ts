// Runs the real CLI in a child process, as an operator would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/haochaping.js');

// The child gets a clean environment: only what a test sets, plus PATH/HOME.
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env };
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000, input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), encoding: 'utf8', timeout: timeoutMs, input });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Every child started here is killed when the test file ends, so that a
// failed test cannot leave a server holding the data folder for the next one.
const children = new Set<ChildProcess>();
export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}
function track<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export interface Served {
  proc: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `serve`; resolves when the process says it is ready (or rejects when it exits first). */
export function startServe(env: Record<string, string>, options: { readyTimeoutMs?: number; args?: string[] } = {}): Promise<Served> {
  const proc = track(spawn(process.execPath, [BIN, 'serve', ...(options.args ?? [])], { cwd: ROOT, env: childEnv({ PORT: '0', ...env }) }));
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`serve was not ready in time:\n${output}`));
    }, options.readyTimeoutMs ?? 150_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /haochaping is ready at (http:\/\/[^\s]+) /.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ proc, url: match[1]!, output: () => output, exited });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it was ready:\n${output}`));
    });
  });
}

/** Spawns `serve` and returns at once (for kills during start-up). */
export function spawnServe(env: Record<string, string>) {
  const proc = track(spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: childEnv({ PORT: '0', ...env }) }));
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return { proc, output: () => output, exited };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
