// Worker-thread entry: TypeScript sources load through tsx, as in the main process.
import { register } from 'tsx/esm/api';

register();
await import('./compute.thread.ts');
