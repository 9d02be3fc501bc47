/// The secret-detection rules: keywords for the pre-filter, regexes, and filters against false positives.
/// Each regex's capture group `secretGroup` (0 = whole match) is the secret; it is only ever shown redacted.
extension SecretRule {
    /// Every secret rule, in the order they are tried on a line.
    static let all: [SecretRule] = core + cloud + ciAndRegistries + saas + ai + structured

    static let core: [SecretRule] = [
        SecretRule(
            "secrets.private-key", "Private key block", .critical, label: "Private key block",
            keywords: [("PRIVATE KEY", true)],
            patterns: [#"-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----"#],
            display: .header, minEntropy: nil, check: .keyBody,
            what: "A PEM/OpenSSH/PGP private key block (-----BEGIN … PRIVATE KEY-----, RSA, EC, DSA, OPENSSH, "
                + "ENCRYPTED, PGP) with a key body: on the following lines, after JSON-escaped \\n, or on the same "
                + "line (a one-line env var). A header without a body is not reported. The BEGIN line is reported.",
            fix: "Remove the key from the repository and its history, revoke it and issue a new one; "
                + "load keys from a secret store or an untracked file at run time."),
        SecretRule(
            "secrets.aws-access-key-id", "AWS access key ID", .high, label: "AWS access key ID",
            keywords: [("AKIA", true), ("ASIA", true)],
            patterns: [#"(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])"#],
            what: "An AWS access key ID (AKIA… long-term, ASIA… temporary).",
            fix: "Deactivate and delete the key in IAM, rotate its secret, and use roles or OIDC federation "
                + "instead of static keys."),
        SecretRule(
            "secrets.aws-secret-access-key", "AWS secret access key", .critical, label: "AWS secret access key",
            keywords: [("secret_access_key", false), ("secretaccesskey", false), ("secret-access-key", false),
                       ("aws_secret", false), ("aws-secret", false), ("awssecret", false)],
            patterns: [#"(?i)(?:aws)?[_-]?secret[_-]?(?:access)?[_-]?key["']?\s*[:=]{1,2}>?\s*["']?"#
                + #"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"#],
            minEntropy: 3.0,
            what: "A 40-character AWS secret access key assigned to an aws_secret_access_key-like name.",
            fix: "Deactivate the access key in IAM, create a new one, and keep it in a secret store."),
        SecretRule(
            "secrets.gcp-service-account-key", "Google Cloud service-account key", .critical,
            label: "Google Cloud service-account key file",
            keywords: [("service_account", false)],
            patterns: [#""type"\s*:\s*"service_account""#],
            display: .none, minEntropy: nil, fileMustContain: ["\"private_key\"", "-----begin private key-----"],
            what: "A Google Cloud service-account JSON key file (type service_account, with a private_key holding a "
                + "PEM private key).",
            fix: "Delete the key in IAM (Service accounts › Keys), remove the file, and use workload identity "
                + "federation instead of key files."),
        SecretRule(
            "secrets.gcp-api-key", "Google API key", .high, label: "Google API key",
            keywords: [("AIza", true)],
            patterns: [#"(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])"#],
            what: "A Google Cloud / Firebase API key (AIza…).",
            fix: "Delete or regenerate the key in the Google Cloud console and restrict the new one by API and origin."),
        SecretRule(
            "secrets.azure-storage-key", "Azure storage account key", .critical, label: "Azure storage account key",
            keywords: [("accountkey", false), ("azure_storage", false), ("azure-storage", false),
                       ("azurestorage", false)],
            patterns: [#"(?i)(?:AccountKey\s*=\s*|azure[_-]?storage[_-]?(?:account[_-]?)?(?:access[_-]?)?key["']?"#
                + #"\s*[:=]{1,2}\s*["']?)([A-Za-z0-9+/]{86}==)"#],
            what: "An Azure storage account key, alone or inside a connection string (AccountKey=…).",
            fix: "Rotate the storage account key in the Azure portal and use managed identities or SAS tokens "
                + "from a key vault."),
        SecretRule(
            "secrets.github-token", "GitHub token", .critical, label: "GitHub token",
            keywords: [("ghp_", true), ("gho_", true), ("ghu_", true), ("ghs_", true), ("ghr_", true)],
            patterns: [#"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,251})(?![A-Za-z0-9_])"#],
            what: "A GitHub personal access, OAuth, user-to-server, server-to-server or refresh token.",
            fix: "Revoke the token on GitHub (Settings › Developer settings) and use GITHUB_TOKEN or a secret store."),
        SecretRule(
            "secrets.github-fine-grained-token", "GitHub fine-grained token", .critical,
            label: "GitHub fine-grained personal access token",
            keywords: [("github_pat_", true)],
            patterns: [#"(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9_]{60,255})(?![A-Za-z0-9_])"#],
            what: "A GitHub fine-grained personal access token (github_pat_…).",
            fix: "Revoke the token on GitHub (Settings › Developer settings) and keep tokens in a secret store."),
        SecretRule(
            "secrets.gitlab-token", "GitLab personal access token", .critical, label: "GitLab personal access token",
            keywords: [("glpat-", true)],
            patterns: [#"(?<![A-Za-z0-9_-])(glpat-[A-Za-z0-9_.-]{20,})"#],
            what: "A GitLab personal, project or group access token (glpat-…).",
            fix: "Revoke the token in GitLab (Access tokens) and use CI/CD variables or a secret store."),
        SecretRule(
            "secrets.slack-token", "Slack token", .high, label: "Slack token",
            keywords: [("xoxb-", true), ("xoxp-", true), ("xoxa-", true), ("xoxr-", true), ("xoxs-", true),
                       ("xoxe", true)],
            patterns: [#"(?<![A-Za-z0-9])(xox[bp]-[0-9]{10,13}-[0-9]{10,13}(?:-[0-9]{10,13})?-[A-Za-z0-9]{24,34})"#
                        + #"(?![A-Za-z0-9])"#,
                       #"(?<![A-Za-z0-9])(xox[ars]-(?:[0-9]+-){1,3}[A-Za-z0-9]{24,64})(?![A-Za-z0-9])"#,
                       #"(?<![A-Za-z0-9])(xoxe\.xox[bp]-[0-9]-[A-Za-z0-9]{160,170})"#,
                       #"(?<![A-Za-z0-9.])(xoxe-[0-9]-[A-Za-z0-9]{140,150})"#],
            what: "A Slack bot or user token (xoxb-/xoxp- + numeric team and user ids + 24–34 characters), a legacy "
                + "workspace, refresh or session token (xoxa-, xoxr-, xoxs-) or a configuration token (xoxe.xoxp-, "
                + "xoxe-). Short look-alikes such as xoxb-abcdef-abcdef are not tokens.",
            fix: "Revoke the token in the Slack app settings and reinstall the app to get a new one."),
        SecretRule(
            "secrets.slack-webhook", "Slack incoming webhook", .medium, label: "Slack webhook URL",
            keywords: [("hooks.slack.com", false)],
            patterns: [#"(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_]{6,}/"#
                + #"[A-Za-z0-9_]{6,}(?:/[A-Za-z0-9_]{6,})?)"#],
            what: "A Slack incoming-webhook URL; anyone holding it can post to the channel.",
            fix: "Regenerate the webhook in Slack and keep the URL in a secret store."),
        SecretRule(
            "secrets.stripe-live-key", "Stripe live secret key", .critical, label: "Stripe live key",
            keywords: [("sk_live_", true), ("rk_live_", true)],
            patterns: [#"(?<![A-Za-z0-9_])([sr]k_live_[0-9A-Za-z]{20,247})(?![A-Za-z0-9_])"#],
            what: "A Stripe live secret (sk_live_…) or restricted (rk_live_…) key.",
            fix: "Roll the key in the Stripe dashboard (Developers › API keys) and load it from a secret store."),
        SecretRule(
            "secrets.twilio-api-key", "Twilio API key or auth token", .high, label: "Twilio credential",
            keywords: [("SK", true), ("twilio", false)],
            patterns: [#"(?<![A-Za-z0-9])(SK[0-9a-fA-F]{32})(?![A-Za-z0-9])"#,
                       #"(?i)twilio[A-Za-z0-9_.-]{0,20}?(?:auth[_-]?token|secret)["']?\s*[:=]{1,2}\s*["']?"#
                        + #"([0-9a-f]{32})(?![A-Za-z0-9])"#],
            what: "A Twilio API key SID (SK + 32 hex) or an auth token assigned to a twilio…auth_token name.",
            fix: "Delete the API key or rotate the auth token in the Twilio console."),
        SecretRule(
            "secrets.sendgrid-api-key", "SendGrid API key", .high, label: "SendGrid API key",
            keywords: [("SG.", true)],
            patterns: [#"(?<![A-Za-z0-9_-])(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])"#],
            what: "A SendGrid API key (SG.<22>.<43>).",
            fix: "Delete the key in SendGrid (Settings › API Keys) and create a new, scoped one."),
        SecretRule(
            "secrets.npm-token", "npm access token", .high, label: "npm access token",
            keywords: [("npm_", true)],
            patterns: [#"(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])"#],
            what: "An npm access token (npm_…).",
            fix: "Revoke the token with 'npm token revoke' or on npmjs.com and use CI secrets or trusted publishing."),
        SecretRule(
            "secrets.pypi-token", "PyPI API token", .critical, label: "PyPI API token",
            keywords: [("pypi-AgEI", true)],
            patterns: [#"(pypi-AgEI[A-Za-z0-9_-]{50,})"#],
            what: "A PyPI upload token (pypi-AgEI…).",
            fix: "Remove the token in your PyPI account settings and switch to trusted publishing."),
        SecretRule(
            "secrets.jwt", "JSON Web Token", .medium, label: "JSON Web Token",
            keywords: [("eyJ", true)],
            patterns: [#"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"#],
            what: "A signed JSON Web Token (eyJ….eyJ….…), often a long-lived bearer credential.",
            fix: "Invalidate the token (rotate the signing key if needed) and never commit bearer tokens."),
        SecretRule(
            "secrets.google-oauth-client-secret", "Google OAuth client secret", .high,
            label: "Google OAuth client secret",
            keywords: [("GOCSPX-", true)],
            patterns: [#"(GOCSPX-[A-Za-z0-9_-]{28})(?![A-Za-z0-9_-])"#],
            what: "A Google OAuth 2.0 client secret (GOCSPX-…).",
            fix: "Reset the client secret in the Google Cloud console (APIs & Services › Credentials)."),
        SecretRule(
            "secrets.heroku-api-key", "Heroku API key", .high, label: "Heroku API key",
            keywords: [("heroku", false), ("HRKU-", true)],
            patterns: [#"(?i)heroku[A-Za-z0-9_.-]{0,20}?(?:api[_-]?key|token|key|secret)["']?\s*[:=]{1,2}\s*["']?"#
                        + #"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9A-Za-z-])"#,
                       #"(?<![A-Za-z0-9_-])(HRKU-[A-Za-z0-9_-]{50,})"#],
            what: "A Heroku API key (a UUID assigned to a heroku…key/token name, or an HRKU-… token).",
            fix: "Regenerate the API key in Heroku account settings or revoke the authorization."),
        SecretRule(
            "secrets.mailgun-api-key", "Mailgun API key", .high, label: "Mailgun API key",
            keywords: [("key-", true)],
            patterns: [#"(?<![A-Za-z0-9_-])(key-[0-9a-f]{32})(?![A-Za-z0-9_-])"#],
            what: "A Mailgun private API key (key- + 32 hex).",
            fix: "Rotate the key in the Mailgun control panel (API Security)."),
        SecretRule(
            "secrets.shopify-token", "Shopify access token", .high, label: "Shopify token",
            keywords: [("shpat_", true), ("shpss_", true), ("shpca_", true), ("shppa_", true)],
            patterns: [#"(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})(?![A-Za-z0-9])"#],
            what: "A Shopify access token or shared secret (shpat_, shpss_, shpca_, shppa_).",
            fix: "Rotate the token or app secret in the Shopify admin / partner dashboard."),
        SecretRule(
            "secrets.discord-bot-token", "Discord bot token", .high, label: "Discord bot token",
            keywords: [("discord", false)],
            patterns: [#"(?i)discord[A-Za-z0-9_.-]{0,20}?(?:token|secret|key)["']?\s*[:=]{1,2}\s*["']?"#
                + #"([MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?![A-Za-z0-9_-])"#],
            what: "A Discord bot token assigned to a discord…token name.",
            fix: "Reset the token in the Discord developer portal (Bot › Reset Token)."),
        SecretRule(
            "secrets.discord-webhook", "Discord webhook", .medium, label: "Discord webhook URL",
            keywords: [("discord.com/api/webhooks", false), ("discordapp.com/api/webhooks", false)],
            patterns: [#"(https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{15,22}/"#
                + #"[A-Za-z0-9_-]{60,70})"#],
            what: "A Discord webhook URL; anyone holding it can post to the channel.",
            fix: "Delete the webhook in the channel's integrations and create a new one kept in a secret store."),
        SecretRule(
            "secrets.telegram-bot-token", "Telegram bot token", .high, label: "Telegram bot token",
            keywords: [(":AA", true)],
            patterns: [#"(?<![0-9A-Za-z])([0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])"#],
            what: "A Telegram Bot API token (bot id, then :AA…).",
            fix: "Revoke the token with @BotFather (/revoke) and store the new one in a secret store."),
        SecretRule(
            "secrets.generic-assignment", "Hard-coded secret", .medium, label: "Possible hard-coded secret",
            keywords: [("secret", false), ("token", false), ("password", false), ("passwd", false),
                       ("api_key", false), ("api-key", false), ("apikey", false), ("access_key", false),
                       ("accesskey", false), ("private_key", false), ("credential", false)],
            // The match starts at the keyword (fast); the message extends the name leftwards (DB_PASSWORD).
            patterns: [#"(?i)((?:secret|token|password|passwd|credentials?|api[_-]?key|access[_-]?key|private[_-]?key)"#
                + #"[A-Za-z0-9_-]{0,30})["']?\s*[:=]{1,2}>?\s*(["'`]?)([A-Za-z0-9/+_=-]{16,}+)(?![(.\[])"#],
            display: .named, minEntropy: 3.5, secretGroup: 3, isGeneric: true,
            what: "A value of 16+ characters with Shannon entropy ≥ 3.5 bits/char assigned to a name containing "
                + "secret, token, password, passwd, credential(s), api_key, apikey, access_key or private_key. The "
                + "message names the whole variable (DB_PASSWORD, not PASSWORD). Placeholders (xxxx, changeme, "
                + "example, ${…}) are ignored; an unquoted value must contain a digit and a letter.",
            fix: "Move the value to an environment variable or a secret store, rotate it, and reference it by name."),
    ]
}
