/**
 * The operator CLI (`npm run sync -- <command>`, bin/sync.ts) run in the test's process against a
 * running stack: each command's exit code, and every line it printed, in order.
 */
export async function runSyncCli(apiUrl: string, ...commands: readonly string[][]): Promise<{ codes: number[]; lines: string[] }> {
  const { main } = await import('../../../bin/sync.js');
  const lines: string[] = [];
  const codes: number[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => lines.push(args.join(' '));
  process.env.API_URL = apiUrl;
  try {
    for (const command of commands) codes.push(await main([...command]));
  } finally {
    console.log = original;
    delete process.env.API_URL;
  }
  return { codes, lines };
}
