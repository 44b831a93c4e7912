/**
 * What every benchmark returns: figures measured in the same run, and the bars they are held to.
 * `bench/run.ts` prints them as one table and writes them to `build/bench.json`.
 */
export interface Figure {
    /** What was measured, e.g. "client connects/s, 50,000 bans, mailfort". */
    label: string;
    value: number;
    unit: string;
}

export interface Bar {
    /** The bar as a sentence, e.g. "with 50,000 bans the client rate stays within 1.2x". */
    description: string;
    /** The measured ratio or value the bar is judged on, and the limit it must meet. */
    measured: number;
    limit: number;
    holds: boolean;
}

export interface BenchResult {
    name: string;
    figures: Figure[];
    bars: Bar[];
    /** Anything a reader needs to interpret the figures (sizes, machine load, method). */
    notes: string[];
}

export function bar(description: string, measured: number, limit: number, holds: boolean): Bar {
    return { description, measured: Math.round(measured * 1000) / 1000, limit, holds };
}
