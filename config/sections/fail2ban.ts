/** Host Fail2Ban settings: thresholds shared by every jail unless a jail overrides them. */
import { z } from "zod";

import { duration } from "./primitives";

export const fail2banSchema = z.strictObject({
    maxretry: z.number().int().min(1).max(50).default(5),
    findtime: duration.default("10m"),
    bantime: duration.default("1h"),
});
