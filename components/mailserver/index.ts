export * from "./accounts";
export * from "./dkim";
export * from "./environment";
export * from "./files";
export * from "./mailserver";
export * from "./overrides";
export { sha512Crypt } from "./sha512crypt";
