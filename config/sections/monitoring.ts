/** Monitoring and alerting settings on each host. */
import { z } from "zod";

export const monitoringSchema = z.strictObject({});
