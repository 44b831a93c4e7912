export * from "./certbot";
