/**
 * Ships rendered files to a host over the pinned SSH connection. Content goes through stdin, never
 * the command line, so secrets stay out of process lists and of the error text @pulumi/command
 * prints when a command fails. Each file is written to a temporary name and renamed into place.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

import type { Connection } from "./connection";

/** A file exactly as it should land on the host. */
export interface HostFile {
    /** Absolute path on the host. */
    path: string;
    content: pulumi.Input<string>;
    /** Octal permission bits. Defaults to "0644". */
    mode?: string;
    /** Owner user. Defaults to "root". */
    owner?: string;
    /** Owner group. Defaults to "root". */
    group?: string;
    /** Whether the content is secret: stdin is kept secret, logging is off. Defaults to false. */
    secret?: boolean;
}

export interface HostFilesArgs {
    connection: pulumi.Input<Connection>;
    files: HostFile[];
    /**
     * A command run after the files land and again whenever any of them changes, such as
     * `systemctl reload fail2ban`. Defaults to none.
     */
    onChange?: string;
}

const marker = "mailfort-install-file";

// $1 path, $2 mode, $3 owner, $4 group. Folders are made 0755 (services in containers run as
// other users and must traverse them); the file is 0600 from mktemp until its own mode is set.
// mktemp in the target folder keeps the final rename atomic.
const installScript =
    'set -eu; umask 022; mkdir -p "$(dirname "$1")"; t=$(mktemp "$1.XXXXXX"); ' +
    'cat > "$t"; chown "$3:$4" "$t"; chmod "$2" "$t"; mv -f "$t" "$1"';

/** The remote command that writes one file from stdin. Paths are mailfort's, never user text. */
export function installCommand(file: HostFile): string {
    assertSafePath(file.path);
    const mode = file.mode ?? "0644";
    return (
        `sudo /bin/sh -c '${installScript}' ${marker} ${file.path} ${mode} ` +
        `${file.owner ?? "root"} ${file.group ?? "root"}`
    );
}

/** Reads path, mode, owner and group back out of an `installCommand`; for the offline preview. */
export function parseInstallCommand(text: string) {
    const match = new RegExp(`${marker} (\\S+) ([0-7]{3,4}) (\\S+) (\\S+)$`).exec(text);
    if (!match) return undefined;
    const [, path, mode, owner, group] = match as unknown as [
        string,
        string,
        string,
        string,
        string,
    ];
    return { path, mode, owner, group };
}

function assertSafePath(path: string): void {
    if (!/^\/[A-Za-z0-9._/@-]+$/.test(path) || path.includes("..")) {
        throw new Error(`refusing to ship a file to an unsafe host path: ${JSON.stringify(path)}`);
    }
}

/** A hash of every file's path, mode and content; changes exactly when a file would change. */
export function filesDigest(files: HostFile[]): pulumi.Output<string> {
    return pulumi
        .all(files.map((f) => pulumi.all([f.path, f.mode ?? "0644", f.owner ?? "", f.content])))
        .apply((parts) => createHash("sha256").update(JSON.stringify(parts)).digest("hex"));
}

/**
 * A set of files on one host, plus the command that makes a service pick them up. Removing a file
 * from the set deletes it from the host.
 */
export class HostFiles extends pulumi.ComponentResource {
    /** Resources that finish when every file has landed (and the change command has run). */
    readonly ready: pulumi.Resource[];
    /** Changes exactly when a file's path, mode, owner or content changes. */
    readonly digest: pulumi.Output<string>;

    /**
     * @param name The unique name of this set of files.
     * @param args The connection, the files and the command to run when they change.
     * @param opts Options for the component.
     */
    constructor(name: string, args: HostFilesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mailfort:host:HostFiles", name, {}, opts);

        this.digest = filesDigest(args.files);
        const written = args.files.map((file) => shipFile(name, args.connection, file, this));
        const reload = args.onChange
            ? new command.remote.Command(
                  `${name}-on-change`,
                  {
                      connection: args.connection,
                      create: args.onChange,
                      update: args.onChange,
                      triggers: [this.digest],
                  },
                  { parent: this, dependsOn: written },
              )
            : undefined;
        this.ready = reload ? [reload] : written;

        this.registerOutputs({});
    }
}

function shipFile(
    name: string,
    connection: pulumi.Input<Connection>,
    file: HostFile,
    parent: pulumi.Resource,
): command.remote.Command {
    const install = installCommand(file);
    return new command.remote.Command(
        `${name}-${slug(file.path)}`,
        {
            connection,
            create: install,
            update: install,
            delete: `sudo rm -f ${file.path}`,
            stdin: file.secret ? pulumi.secret(file.content) : file.content,
            logging: file.secret ? "none" : "stdoutAndStderr",
        },
        { parent, deleteBeforeReplace: false },
    );
}

function slug(path: string): string {
    return path.replace(/^\//, "").replace(/[^A-Za-z0-9]+/g, "-");
}
