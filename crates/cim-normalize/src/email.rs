//! Email addresses: cleanup, syntax check, domain typos, provider rules.

use cim_schema::FieldStatus;

use crate::options::NormalizeOptions;
use crate::reason;
use crate::tables::{EMAIL_PROVIDER, EMAIL_TYPO};
use crate::text::{clean_cow, is_placeholder, lower};

/// A normalised email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailNorm {
    /// Cleaned address: trimmed, lower case, `mailto:` and `Name <...>`
    /// wrappers removed, domain typo corrected (when enabled). `None` when
    /// missing.
    pub display: Option<String>,
    /// `key_email`: the display address with provider rules applied
    /// (googlemail.com -> gmail.com, Gmail dots and `+tags` removed, `+tags`
    /// removed for providers with sub-addressing). `None` unless valid.
    pub key: Option<String>,
    /// `key_email_local`: local part of [`Self::key`].
    pub local_key: Option<String>,
    /// Validity.
    pub status: FieldStatus,
    /// Reason code when invalid: `syntax` or `placeholder`.
    pub issue: Option<&'static str>,
}

impl EmailNorm {
    fn missing() -> Self {
        Self {
            display: None,
            key: None,
            local_key: None,
            status: FieldStatus::Missing,
            issue: None,
        }
    }
    fn invalid(display: String, issue: &'static str) -> Self {
        Self {
            display: Some(display),
            key: None,
            local_key: None,
            status: FieldStatus::Invalid,
            issue: Some(issue),
        }
    }
}

/// Local parts that stand for "no email".
const PLACEHOLDER_LOCALS: &[&str] = &[
    "test",
    "testing",
    "noemail",
    "no-email",
    "no_email",
    "nomail",
    "no-mail",
    "none",
    "null",
    "nil",
    "na",
    "n.a",
    "unknown",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "dummy",
    "fake",
    "sample",
    "example",
    "nobody",
    "asdf",
    "email",
    "noname",
];

/// Domains that are never a customer's mailbox.
const PLACEHOLDER_DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "test.com",
    "test.test",
    "domain.com",
    "email.test",
    "none.com",
    "noemail.com",
    "nomail.com",
    "fake.com",
    "invalid",
    "localhost",
    "unknown.com",
    "noreply.com",
];

/// Common mistypings of `.com` as a top-level domain.
const COM_TYPOS: &[&str] = &[
    "con", "cmo", "comm", "cpm", "ocm", "vom", "xom", "coom", "cim",
];

fn local_ok(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| {
            c.is_alphanumeric()
                || "!#$%&'*+-/=?^_`{|}~.".contains(c)
                || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
        })
}

fn domain_ok(domain: &str) -> bool {
    if domain.len() > 253 || !domain.contains('.') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if !labels.iter().all(label_ok) {
        return false;
    }
    let tld = labels[labels.len() - 1];
    tld.starts_with("xn--") || (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic))
}

/// Whether a (lower-case) address is an obvious placeholder such as
/// `test@test.com`, `noemail@company.com`, `xxx@xxx.com` or `a@example.com`.
pub fn is_placeholder_email(local: &str, domain: &str) -> bool {
    if PLACEHOLDER_DOMAINS.contains(&domain) || PLACEHOLDER_LOCALS.contains(&local) {
        return true;
    }
    let first_label = domain.split('.').next().unwrap_or("");
    if local == first_label && local.len() <= 8 {
        return true;
    }
    let mut chars = local.chars();
    let first = chars.next();
    local.chars().count() >= 3 && chars.all(|c| Some(c) == first)
}

/// Strips `mailto:`, display-name wrappers and stray punctuation around an
/// address, lower-cases it.
fn unwrap_address(cleaned: &str) -> String {
    let mut s = cleaned;
    // `Name <addr>`: the last `<...>` with something inside. An empty `<>`
    // is not a wrapper, or "2<>0" would read as missing on a second pass
    // though the first kept it.
    if let Some(b) = s.rfind('>')
        && let Some(a) = s[..b].rfind('<')
        && a + 1 < b
    {
        s = &s[a + 1..b];
    }
    let s = s.trim();
    let s = if s
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("mailto:"))
    {
        &s[7..]
    } else {
        s
    };
    let s = s.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | ',' | ';' | '.' | '(' | ')' | '[' | ']' | '<' | '>'
            )
    });
    lower(s)
}

/// Corrected domain for a known typo, if any.
pub fn fix_domain_typo(domain: &str) -> Option<String> {
    if let Some(fixed) = EMAIL_TYPO.get(domain) {
        return Some((*fixed).to_string());
    }
    let (head, tld) = domain.rsplit_once('.')?;
    if COM_TYPOS.contains(&tld) && !head.is_empty() {
        let fixed = format!("{head}.com");
        return Some(
            EMAIL_TYPO
                .get(fixed.as_str())
                .map_or(fixed.clone(), |f| (*f).to_string()),
        );
    }
    None
}

/// Normalises one email address.
///
/// Display: trimmed, lower case, wrappers removed and, with
/// `fix_email_typos`, a mistyped provider domain (`gmial.com`, `qq.con`)
/// corrected. The correction is applied to the display too because a typo'd
/// domain is never deliverable to the customer, and the typo table only
/// lists misspellings of big providers. Provider rules affect the key only.
pub fn email(raw: &str, opts: &NormalizeOptions) -> EmailNorm {
    let cleaned = clean_cow(raw);
    if is_placeholder(&cleaned, false) {
        return EmailNorm::missing();
    }
    let addr = unwrap_address(&cleaned);
    // What is left inside a wrapper can be a placeholder on its own
    // (`<n/a>`, `<﹨>0`): judged as the display would be on a second pass.
    if addr.is_empty() || is_placeholder(&addr, false) {
        return EmailNorm::missing();
    }
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return EmailNorm::invalid(addr, reason::SYNTAX);
    };
    let domain = domain.trim_end_matches('.');
    let fixed = opts
        .fix_email_typos
        .then(|| fix_domain_typo(domain))
        .flatten();
    // Most addresses display as unwrapped: `addr` itself then, not a copy.
    let unchanged = fixed.is_none() && domain.len() + local.len() + 1 == addr.len();
    let domain: &str = fixed.as_deref().unwrap_or(domain);
    let display = |addr: &str| {
        if unchanged {
            addr.to_string()
        } else {
            join_at(local, domain)
        }
    };
    if !local_ok(local) || !domain_ok(domain) || local.contains('@') {
        return EmailNorm::invalid(display(&addr), reason::SYNTAX);
    }
    if is_placeholder_email(local, domain) {
        return EmailNorm::invalid(display(&addr), reason::PLACEHOLDER);
    }
    let (key_local, key_domain) = match EMAIL_PROVIDER.get(domain) {
        Some(p) if opts.email_provider_rules => {
            let mut l = local;
            if p.plus_tags
                && let Some((base, _tag)) = l.split_once('+')
                && !base.is_empty()
            {
                l = base;
            }
            let l = if p.ignore_dots {
                l.replace('.', "")
            } else {
                l.to_string()
            };
            (l, p.canonical)
        }
        _ => (local.to_string(), domain),
    };
    let key = join_at(&key_local, key_domain);
    let display = if unchanged {
        addr
    } else {
        join_at(local, domain)
    };
    EmailNorm {
        key: Some(key),
        local_key: Some(key_local),
        display: Some(display),
        status: FieldStatus::Valid,
        issue: None,
    }
}

/// `format!("{local}@{domain}")` without the formatting machinery (twice
/// per address).
fn join_at(local: &str, domain: &str) -> String {
    let mut s = String::with_capacity(local.len() + 1 + domain.len());
    s.push_str(local);
    s.push('@');
    s.push_str(domain);
    s
}

#[cfg(test)]
mod tests;
