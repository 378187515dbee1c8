import type { Command } from '../command.js';
import { EXIT_USAGE } from '../command.js';

// Placeholder until this command lands; it says so rather than pretending to work.
export const canaryCommand: Command = {
  name: 'canary',
  summary: '(not yet implemented)',
  help: 'probe-fleet canary: not yet implemented\n',
  run(_args, io) {
    io.stderr.write('probe-fleet canary: not yet implemented\n');
    return Promise.resolve(EXIT_USAGE);
  },
};
