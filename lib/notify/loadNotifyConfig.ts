// The bundle ships `notify.json` beside the handler file; read it once per container.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NotifyConfig } from './notifyConfig.js';
import { NOTIFY_CONFIG_FILE, NotifyConfigError, parseNotifyConfig } from './notifyConfig.js';

export function loadNotifyConfig(handlerFileUrl: string): NotifyConfig {
  const file = join(dirname(fileURLToPath(handlerFileUrl)), NOTIFY_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NotifyConfigError(`notify config: expected ${NOTIFY_CONFIG_FILE} beside the handler, could not read it (${(error as Error).message}); the bundle is incomplete`);
  }
  try {
    return parseNotifyConfig(JSON.parse(text));
  } catch (error) {
    if (error instanceof NotifyConfigError) throw error;
    throw new NotifyConfigError(`notify config: ${NOTIFY_CONFIG_FILE} is not valid JSON (${(error as Error).message})`);
  }
}
