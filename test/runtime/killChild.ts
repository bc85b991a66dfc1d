// Crash tests' child runner: a child process that prints one committed key per line (READY and
// DONE aside) is SIGKILLed a random 0-4 ms after it printed `killAfter` of them; resolves with
// what it printed (a torn last line, without its newline, is not counted). Bounded at 60 s.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export function runAndKill(child: string, args: string[], killAfter: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const got: string[] = [];
    let buf = '';
    let killed = false;
    const guard = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
        if (line === 'READY' || line === 'DONE') continue;
        got.push(line);
        if (!killed && got.length >= killAfter) { killed = true; setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 5)); }
      }
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => { clearTimeout(guard); if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited ${code} ${signal}`)); else resolve(got); });
  });
}
