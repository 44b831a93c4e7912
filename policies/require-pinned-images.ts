import type { ResourceValidationPolicy } from "@pulumi/policy";

import { resourceTypes, stringOf } from "./lib/resources";

/** A full release version such as 15.1.0 or v4.1.1, optionally with a variant suffix. */
const releaseTag = /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;
const digest = /@sha256:[0-9a-f]{64}$/;
/** What RemoteImage hands a Container: an image id, not a reference. */
const imageId = /^(?:sha256:)?[0-9a-f]{12,64}$/;

/**
 * `latest`, `edge` and short tags such as `15` move under the stack: a re-pull changes what runs
 * without any diff in the program. Only a full release tag or a digest says exactly what runs.
 */
export const requirePinnedImages: ResourceValidationPolicy = {
    name: "require-pinned-images",
    description: "Every image is pinned to a full release tag (such as 15.1.0) or a digest.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const reference = imageReference(args.type, args.props);
        if (reference === undefined) return;
        const problem = pinProblem(reference);
        if (!problem) return;
        report(
            `Image ${reference} ${problem}; pin it to a full release tag or a digest ` +
                `(${configHint(reference)}).`,
        );
    },
};

function imageReference(type: string, props: Record<string, unknown>): string | undefined {
    if (type === resourceTypes.remoteImage) return stringOf(props["name"]);
    if (type !== resourceTypes.container) return undefined;
    const image = stringOf(props["image"]);
    // Limitation: a Container image given as a bare name without a tag, such as "nginx", cannot
    // be told apart from an image id, so it is not checked here; RemoteImage names always are.
    if (image === undefined || imageId.test(image) || !/[:@]/.test(image)) return undefined;
    return image;
}

/** Why a reference is not pinned, or `undefined` when it is. */
export function pinProblem(reference: string): string | undefined {
    if (digest.test(reference)) return undefined;
    const lastSlash = reference.lastIndexOf("/");
    const colon = reference.indexOf(":", lastSlash + 1);
    const tag = colon < 0 ? undefined : reference.slice(colon + 1).replace(/@.*$/, "");
    if (!tag) return "has no tag, so Docker pulls whatever latest is today";
    if (releaseTag.test(tag)) return undefined;
    if (/^\d+(\.\d+)?$/.test(tag)) return `uses the moving tag ${tag}, which follows new releases`;
    return `uses the moving tag ${tag}`;
}

function configHint(reference: string): string {
    if (reference.includes("docker-mailserver")) {
        return 'mailfort config key mailfort:mail.dmsVersion, such as "15.1.0"';
    }
    if (reference.includes("certbot")) {
        return 'mailfort config key mailfort:certbot.imageTag, such as "v4.1.1"';
    }
    return "such as name:1.2.3 or name@sha256:<digest>";
}
