/** sshd settings. */
import { z } from "zod";

export const sshdSchema = z.strictObject({});
