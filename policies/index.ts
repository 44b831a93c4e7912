/**
 * The mailfort CrossGuard pack: `pulumi preview --policy-pack policies`. This is the only file
 * that constructs the PolicyPack, because doing so starts the policy gRPC server; everything
 * else (tests, the offline preview) imports the policy list from `all.ts`.
 */
import { PolicyPack } from "@pulumi/policy";

import { policies } from "./all";

new PolicyPack("mailfort", { policies });
