/**
 * Password strength rules for mail accounts. A mailbox password guards SMTP submission, so a weak
 * one turns the server into a spam relay once guessed: refuse it at config time.
 */
const minimumLength = 14;

const commonWords = ["password", "passwort", "123456", "qwerty", "letmein", "welcome", "admin"];

/** Returns why the password is too weak, or undefined when it is acceptable. */
export function passwordProblem(address: string, password: unknown): string | undefined {
    if (typeof password !== "string") return "must be a string";
    if (password.length < minimumLength) return `must be at least ${minimumLength} characters`;
    const lower = password.toLowerCase();
    const localPart = address.split("@")[0] ?? "";
    if (localPart.length >= 3 && lower.includes(localPart))
        return "must not contain the account name";
    if (commonWords.some((word) => lower.includes(word)))
        return "must not contain a common password";
    if (new Set(password).size < 8) return "must use at least 8 different characters";
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password));
    if (classes.length < 3 && password.length < 20) {
        return (
            "must mix three of lower case, upper case, digits and symbols " +
            "(or be 20+ characters)"
        );
    }
    return undefined;
}
