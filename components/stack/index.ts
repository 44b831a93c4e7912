export * from "./credentials";
export * from "./mail-host";
export * from "./stack";
