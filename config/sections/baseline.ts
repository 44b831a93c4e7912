/** baseline settings. */
import { z } from "zod";

export const baselineSchema = z.strictObject({});
