/// Secret rules for structured containers: PuTTY keys, Kubernetes Secret manifests, credentials in connection
/// strings and URLs, and bearer/basic credentials in HTTP headers (curl lines, .http files).
extension SecretRule {
    static let structured: [SecretRule] = [
        SecretRule(
            "secrets.putty-private-key", "PuTTY private key", .critical, label: "PuTTY private key file",
            keywords: [("PuTTY-User-Key-File-", true)],
            patterns: [#"PuTTY-User-Key-File-[23]: [a-z0-9-]+"#],
            display: .header, minEntropy: nil, fileMustContain: ["private-lines:"],
            what: "A PuTTY .ppk private key (PuTTY-User-Key-File-2/3 header with Private-Lines). The header line is "
                + "reported.",
            fix: "Remove the key file, revoke the key on every server that trusts it, and generate a new one."),
        SecretRule(
            "secrets.kubernetes-secret", "Kubernetes Secret manifest", .high, label: "Kubernetes Secret manifest",
            keywords: [("kind: Secret", true), ("kind: \"Secret\"", true), ("kind: 'Secret'", true)],
            patterns: [#"^\s*kind:\s*["']?Secret["']?\s*(?:#.*)?$"#],
            display: .none, minEntropy: nil, check: .kubernetesSecretData,
            what: "A Kubernetes manifest of kind Secret whose data: or stringData: map holds values (base64 is an "
                + "encoding, not encryption). Manifests with empty or templated values are not reported.",
            fix: "Remove the values, rotate them, and create the Secret from a secret manager (External Secrets, "
                + "Sealed Secrets, SOPS) instead of committing it."),
        SecretRule(
            "secrets.connection-string-password", "Password in a connection string or URL", .high,
            label: "Password in a connection string",
            keywords: [("://", true), ("password=", false), ("pwd=", false)],
            patterns: [#"(?i)(?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]{1,20}(?::[a-z][a-z0-9+.-]{1,20})?://"#
                        + #"[^:@/\s"'<>{}$]{1,64}:([^@/\s"'<>{}$%]{6,128})@[A-Za-z0-9_-][A-Za-z0-9._-]*"#,
                       #"(?i)(?:server|data source|host|address)\s*=[^;]{1,200};.{0,300}?(?<![A-Za-z])"#
                        + #"(?:password|pwd)\s*=\s*([^;"'\s{}$<>]{6,128})"#],
            minEntropy: 2.5, lineMustContain: ["@", ";"],
            what: "A password inside a database or service URL (postgres://user:pass@host, mongodb+srv://, "
                + "redis://, amqp://, jdbc:mysql://, https://user:pass@…) or an ADO.NET/ODBC connection string "
                + "(Server=…;Password=…): 6 or more characters with entropy ≥ 2.5 bits/char. Placeholders "
                + "(password, ${VAR}, <pass>, %s) are ignored.",
            fix: "Take the password out of the URL, rotate it, and build the connection string at run time from "
                + "an environment variable or a secret store."),
        SecretRule(
            "secrets.authorization-header", "Credential in an Authorization header", .high,
            label: "Credential in an Authorization header",
            keywords: [("authorization", false)],
            patterns: [#"(?i)authorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+([A-Za-z0-9._~+/-]{16,}=*)"#],
            minEntropy: 3.0, fallback: true,
            what: "A literal bearer, token or basic credential in an Authorization header — typically "
                + "curl -H 'Authorization: Bearer …' in a script or README. Variables ($TOKEN, ${…}) are ignored; a "
                + "value a specific rule recognises (a GitHub token, a JWT) is reported by that rule instead.",
            fix: "Revoke the credential and pass it from the environment: curl -H \"Authorization: Bearer $TOKEN\"."),
    ]
}
