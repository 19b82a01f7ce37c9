import { defineConfig } from 'vitest/config';

// CI machines are shared 2-core boxes: generous timeouts so load never fails a correct test.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000 } });
