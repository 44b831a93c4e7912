/** backups settings. */
import { z } from "zod";

export const backupsSchema = z.strictObject({});
