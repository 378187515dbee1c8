import type { Command } from '../command.js';
import { EXIT_USAGE } from '../command.js';

// Placeholder until this command lands; it says so rather than pretending to work.
export const verifyCommand: Command = {
  name: 'verify',
  summary: '(not yet implemented)',
  help: 'probe-fleet verify: not yet implemented\n',
  run(_args, io) {
    io.stderr.write('probe-fleet verify: not yet implemented\n');
    return Promise.resolve(EXIT_USAGE);
  },
};
