/**
 * The real `keywarden` command's own command line, before any vendor is involved: mistakes get
 * Keywarden's one-line messages (never Node's argument parser speaking of ambiguity or of "--"), an
 * unknown command is an error even with --help, and help is one JSON document under --json.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliHome, type CliResult, makeCliHome } from '../support/cli.js';

describe('keywarden command line', () => {
  let home: CliHome;

  beforeEach(() => {
    home = makeCliHome();
  });

  afterEach(() => {
    home.remove();
  });

  /** A refusal: exit 1, one line on stderr starting "keywarden: ", nothing on stdout. */
  function refused(result: CliResult): string {
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^keywarden: /);
    // Node's parser's own wording must not leak through.
    expect(lines[0]).not.toMatch(/ambiguous|ERR_PARSE_ARGS|To specify an option argument|positional argument|'--'/);
    return lines[0]!;
  }

  it('refuses a negative number with the allowed range, not as an ambiguous argument', async () => {
    const message = refused(await home.run(['list', '--due-within', '-5']));
    expect(message).toContain('--due-within must be from 0 to 36500, not -5');
    expect(refused(await home.run(['list', '--due-within=-5']))).toContain('--due-within must be from 0 to 36500, not -5');
    expect(refused(await home.run(['reminders', '--within', '-1']))).toContain('--within must be from 0 to 36500, not -1');
  });

  it('says a value is missing when there is none, or when the next word is another option', async () => {
    expect(refused(await home.run(['list', '--due-within']))).toMatch(/^keywarden: --due-within needs a value; usage: keywarden list /);
    expect(refused(await home.run(['list', '--due-within', '--backend', 'x']))).toMatch(/^keywarden: --due-within needs a value/);
    const json = await home.run(['list', '--due-within', '--json']);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ error: { code: 'invalid_input', message: expect.stringMatching(/^--due-within needs a value/) } });
    expect(refused(await home.run(['list', '--backend', '-h']))).toMatch(/^keywarden: --backend needs a value/);
    expect(refused(await home.run(['list', '--search', 'a', '--search', 'b']))).toMatch(/--search is given twice/);
  });

  it('names an unknown option and the command it was given to', async () => {
    expect(refused(await home.run(['list', '--bogus']))).toMatch(/^keywarden: unknown option "--bogus" for "list"; usage: keywarden list /);
    expect(refused(await home.run(['backend', 'add', '-x']))).toMatch(/^keywarden: unknown option "-x" for "backend add"/);
    expect(refused(await home.run(['list', '--json=yes']))).toMatch(/^keywarden: --json takes no value/);
  });

  it('names an unknown command with exit 1, even with --help', async () => {
    expect(refused(await home.run(['frobnicate', '--help']))).toBe('keywarden: unknown command "frobnicate"; run "keywarden --help" for the list');
    expect(refused(await home.run(['frobnicate']))).toMatch(/unknown command "frobnicate"/);
    expect(refused(await home.run(['backend', 'frobnicate', '--help']))).toMatch(/unknown command "backend frobnicate"; the backend commands are: add, list, remove/);
    expect(refused(await home.run(['backend']))).toMatch(/"backend" needs a subcommand: add, list/);
    expect(refused(await home.run(['help', 'frobnicate']))).toMatch(/unknown command "frobnicate"/);
  });

  it('prints help with exit 0 when asked: general, a group, one command', async () => {
    const general = await home.run(['--help']);
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/^keywarden: API key inventory/);
    expect(general.stdout).toContain('keywarden reminders [--within DAYS]');

    const group = await home.run(['backend', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('keywarden backend set-policy');
    expect(group.stdout).not.toContain('keywarden reminders');

    for (const args of [
      ['list', '--help'],
      ['help', 'list'],
    ]) {
      const one = await home.run(args);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/^Usage: keywarden list /);
    }
  });

  it('prints help as one JSON document under --json', async () => {
    const general = await home.run(['--help', '--json']);
    expect(general.code).toBe(0);
    const commands = general.json<{ commands: Array<{ usage: string; summary: string }> }>().commands;
    expect(commands.map((command) => command.usage)).toContain('keywarden reveal REF [--json]');
    const one = await home.run(['revoke', '--help', '--json']);
    expect(one.json()).toEqual({ usage: expect.stringMatching(/^keywarden revoke REF /), summary: expect.any(String) });
  });

  it('refuses --json for demo, which runs until stopped and cannot end with one JSON document', async () => {
    const result = await home.run(['demo', '--json']);
    expect(result.code).toBe(1);
    expect(result.json()).toEqual({ error: { code: 'invalid_input', message: expect.stringMatching(/demo.*no --json output/), details: {} } });
  });

  it('every usage line offers --json, except demo', async () => {
    const commands = (await home.run(['--help', '--json'])).json<{ commands: Array<{ usage: string }> }>().commands;
    for (const { usage } of commands) {
      if (usage === 'keywarden demo') continue;
      expect(usage).toContain('--json');
    }
  });
});
