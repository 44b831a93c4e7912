/** The minimal stack the SSH, baseline and backup tests render from. */
export {
    minimalConfig as stack,
    minimalSource as stackSource,
    operatorKey,
} from "../support/stack";
