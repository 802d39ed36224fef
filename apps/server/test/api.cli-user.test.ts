import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildProgram } from '../src/cli/main.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { openStore } from '../src/store/store.ts';
import { PasswordHasher } from '../src/auth/password-hasher.ts';

let home: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'runecast-cli-user-'));
});

after(() => rm(home, { recursive: true, force: true }));

/** Runs `runecast user …` in this process and returns what it printed. */
async function runUserCommand(args: string[]): Promise<string> {
  const program = buildProgram();
  for (const command of program.commands) command.exitOverride();
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    printed.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['--home', home, 'user', 'create', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return printed.join('');
}

test('runecast user create makes admins and users, with a given or generated password', async () => {
  const adminOutput = await runUserCommand(['--email', 'Ops@Example.com', '--generate', '--admin', '--json']);
  const admin = JSON.parse(adminOutput) as { email: string; role: string; generatedPassword: string };
  assert.equal(admin.email, 'ops@example.com');
  assert.equal(admin.role, 'admin');
  assert.match(admin.generatedPassword, /^[A-Za-z0-9_-]{24}$/);
  const userOutput = await runUserCommand([
    '--email',
    'analyst@example.com',
    '--password',
    'analyst-password-1',
  ]);
  assert.match(userOutput, /^created user analyst@example.com/);

  await assert.rejects(
    runUserCommand(['--email', 'analyst@example.com', '--password', 'analyst-password-2']),
    /already exists/,
  );
  await assert.rejects(runUserCommand(['--email', 'nope', '--generate']), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /--email: must be an email address/);
    return true;
  });
  await assert.rejects(
    runUserCommand(['--email', 'a@example.com', '--password', 'short']),
    /--password: must be at least 10/,
  );
  await assert.rejects(
    runUserCommand(['--email', 'a@example.com']),
    /either --password <password> or --generate/,
  );

  const store = await openStore({ dataDir: join(home, 'pg') });
  try {
    const users = store.users;
    const stored = await users.findByEmail('ops@example.com');
    assert.equal(stored?.role, 'admin');
    assert.ok(await new PasswordHasher().verify(stored!.passwordHash, admin.generatedPassword));
    assert.equal((await users.findByEmail('analyst@example.com'))?.role, 'user');
    assert.equal(await users.countUsers(), 2);
  } finally {
    await store.close();
  }
});
