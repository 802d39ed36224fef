import { randomUUID } from 'node:crypto';
import { emailSchema, passwordSchema } from '@runecast/contracts';
import type { Command } from 'commander';
import { AuditService } from '../../auth/audit.service.ts';
import { generatePassword, PasswordHasher } from '../../auth/password-hasher.ts';
import { configFor } from '../command-config.ts';
import { withStore } from '../open-store.ts';
import { printJson } from '../output.ts';
import { UsageError } from '../usage-error.ts';

interface CreateUserOptions {
  email: string;
  password?: string;
  generate?: boolean;
  admin?: boolean;
  json?: boolean;
}

/** `runecast user create`: make an account (an admin with --admin) straight in the store. */
export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('Manage API user accounts');
  user
    .command('create')
    .description('Create a user; with --generate a strong password is made and printed once')
    .requiredOption('--email <email>', 'email address to log in with')
    .option('--password <password>', `password (at least 10 characters)`)
    .option('--generate', 'generate the password and print it once')
    .option('--admin', 'give the user the admin role')
    .option('--json', 'print the result as JSON')
    .action(async (options: CreateUserOptions, command: Command) => {
      const email = emailSchema.safeParse(options.email);
      if (!email.success) throw new UsageError(`--email: ${email.error.issues[0]?.message ?? 'not valid'}`);
      if ((options.password === undefined) === (options.generate !== true)) {
        throw new UsageError('give either --password <password> or --generate');
      }
      const generated = options.generate ? generatePassword() : null;
      const password = passwordSchema.safeParse(options.password ?? generated);
      if (!password.success)
        throw new UsageError(`--password: ${password.error.issues[0]?.message ?? 'not valid'}`);
      const config = configFor(command);
      const role = options.admin ? 'admin' : 'user';
      const created = await withStore(config, async (store) => {
        const record = await store.users.createUser({
          id: randomUUID(),
          email: email.data,
          displayName: null,
          passwordHash: await new PasswordHasher().hash(password.data),
          role,
          nowMs: Date.now(),
        });
        await new AuditService(store.auditLog).record({
          actor: null,
          action: 'user.create',
          target: record.id,
          outcome: 'success',
          details: { email: record.email, role, via: 'cli' },
        });
        return record;
      });
      if (options.json) {
        printJson({ id: created.id, email: created.email, role: created.role, generatedPassword: generated });
        return;
      }
      process.stdout.write(`created ${created.role} ${created.email} (${created.id})\n`);
      if (generated !== null) process.stdout.write(`password: ${generated}\n(shown once; store it now)\n`);
    });
}
