#!/usr/bin/env node
// The signoff CLI. The sources are TypeScript, run through tsx's loader.
import { register } from 'tsx/esm/api';

// See local/polyfills.ts: the SDK's Node 22 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
