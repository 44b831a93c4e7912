/**
 * The crafted lines the filter-speed benchmark times: the shared adversarial shapes in the mail
 * daemons' lines (every filter it measures reads the mail log).
 */
import { craftedLines as linesWith, mailPrefixes } from "../../test/fail2ban/crafted-lines";

export function craftedLines(): string[] {
    return linesWith(mailPrefixes);
}
