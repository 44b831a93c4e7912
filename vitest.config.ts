import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        // Namespace tests share the kernel's netns list and run real daemons: one file at a time.
        fileParallelism: false,
        testTimeout: 120_000,
        hookTimeout: 120_000,
        reporters: ["default"],
    },
});
