export * from "./files";
export * from "./mtasts";
export * from "./paths";
export * from "./policy";
export * from "./sites";
