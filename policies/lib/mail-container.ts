/** Runs a check only on the docker-mailserver container, with its environment read. */
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";

import { DmsEnvironment } from "./container-env";
import { containerName, isMailContainer, resourceTypes } from "./resources";

export type MailContainerCheck = (
    env: DmsEnvironment,
    container: string,
    report: ReportViolation,
    args: ResourceValidationArgs,
) => void;

export function validateMailContainer(check: MailContainerCheck): ResourceValidation {
    return (args, report) => {
        if (args.type !== resourceTypes.container || !isMailContainer(args.props)) return;
        check(new DmsEnvironment(args.props), containerName(args.props, args.name), report, args);
    };
}
