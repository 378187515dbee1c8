import type { Command } from '../command.js';
import { EXIT_USAGE } from '../command.js';

// Placeholder until this command lands; it says so rather than pretending to work.
export const testCommand: Command = {
  name: 'test',
  summary: '(not yet implemented)',
  help: 'probe-fleet test: not yet implemented\n',
  run(_args, io) {
    io.stderr.write('probe-fleet test: not yet implemented\n');
    return Promise.resolve(EXIT_USAGE);
  },
};
