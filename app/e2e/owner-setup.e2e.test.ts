/**
 * First run from the studio, end to end in headless Chromium: the web studio shows "Set up moderator access" while
 * the server has no owner, creates the owner in one click (main presents the studio token; the page never sees it),
 * the setup code is spent, the card offers the moderator pane, and the owner signs in there with that password.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poll, type Stack, startStack, watchConsole } from './harness';

describe('owner setup from the studio', () => {
  let stack: Stack;
  const logs: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ locale: 'en' });
  });
  afterAll(async () => {
    if (logs.length) console.log(logs.join('\n'));
    await stack?.close();
  });

  it('creates the owner in one click; the moderator pane then signs in with it', async () => {
    const codeFile = join(stack.dataDir, 'setup-code');
    expect(existsSync(codeFile)).toBe(true);
    const studio = await stack.context.newPage();
    watchConsole(studio, 'studio', logs);
    await studio.goto(stack.host.url);
    await studio.getByTestId('staff-setup').waitFor({ timeout: 30_000 });
    await studio.getByTestId('staff-setup-name').fill('Owner Lin');
    await studio.getByTestId('staff-setup-password').fill('e2e-owner-password');
    await studio.getByTestId('staff-setup-confirm').fill('e2e-other-password');
    await studio.getByTestId('staff-setup-submit').click();
    await studio.getByTestId('staff-setup-error').waitFor();
    await studio.getByTestId('staff-setup-confirm').fill('e2e-owner-password');
    await studio.getByTestId('staff-setup-submit').click();
    await studio.getByTestId('staff-setup-done').waitFor();
    expect(await studio.getByTestId('staff-setup-done').textContent()).toContain('Owner Lin');
    await studio.getByTestId('staff-setup-open').waitFor();
    expect(existsSync(codeFile)).toBe(false);
    const owners = stack.server.db.prepare(`SELECT name FROM accounts WHERE role = 'owner'`).all();
    expect(owners).toEqual([{ name: 'Owner Lin' }]);

    // The moderator pane is past its first run: it asks to sign in, and the new password works.
    const pane = await stack.context.newPage();
    watchConsole(pane, 'moderator', logs);
    await pane.goto(`${stack.server.url}/moderator?lang=en`);
    await pane.getByTestId('auth-login').waitFor();
    await pane.getByTestId('login-name').fill('Owner Lin');
    await pane.getByTestId('login-password').fill('e2e-owner-password');
    await pane.getByTestId('login-submit').click();
    await poll('signed in', async () => ((await pane.getByTestId('signed-in-as').textContent()) ?? '').includes('Owner Lin'));
  });
});
