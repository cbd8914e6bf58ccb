//! Company names: the key drops legal forms (Ltd, GmbH, 有限公司 ...).

use cim_schema::FieldStatus;

use crate::FieldNorm;
use crate::options::NormalizeOptions;
use crate::tables::LEGAL_FORM;
use crate::text::{fold, present};

/// Key tokens of a company name: dots deleted first so that `S.A.`, `Co.`
/// and `I.B.M.` fold to `sa`, `co` and `ibm`; `&` reads as `and`.
pub(crate) fn company_tokens(text: &str) -> Vec<String> {
    company_tokens_with(text, true)
}

fn company_tokens_with(text: &str, strip_accents: bool) -> Vec<String> {
    let prepared = text.replace('.', "").replace('&', " and ");
    fold(&prepared, strip_accents)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The company match key: folded tokens with legal forms stripped from the
/// end (repeatedly: `Acme Holdings Pty. Ltd.` -> `acme`), Han legal forms
/// stripped from the end or start of Han text (`腾讯科技(深圳)有限公司` ->
/// `腾讯科技 深圳`), a leading `the` dropped. Falls back to the full folded
/// name when stripping would leave nothing.
pub fn company_key(text: &str, opts: &NormalizeOptions) -> Option<String> {
    let all = company_tokens_with(text, opts.strip_accents);
    if all.is_empty() {
        return None;
    }
    let mut toks = all.clone();
    if toks.len() > 1 && toks[0] == "the" {
        toks.remove(0);
    }
    loop {
        let mut changed = false;
        // Han forms are glued to the name: strip them from the last token.
        if let Some(last) = toks.last_mut() {
            for form in &LEGAL_FORM.han_suffixes {
                if let Some(stem) = last.strip_suffix(form) {
                    *last = stem.to_string();
                    changed = true;
                    break;
                }
            }
            if last.is_empty() {
                toks.pop();
            }
        }
        if let Some(first) = toks.first_mut() {
            for form in &LEGAL_FORM.han_prefixes {
                if let Some(stem) = first.strip_prefix(form) {
                    *first = stem.to_string();
                    changed = true;
                    break;
                }
            }
            if first.is_empty() {
                toks.remove(0);
            }
        }
        for form in &LEGAL_FORM.suffixes {
            if toks.len() > form.len() && toks[toks.len() - form.len()..] == form[..] {
                toks.truncate(toks.len() - form.len());
                changed = true;
                break;
            }
        }
        if !changed || toks.is_empty() {
            break;
        }
    }
    let toks = if toks.is_empty() { all } else { toks };
    Some(toks.join(" "))
}

/// Normalises a company name: cleaned display, key from [`company_key`].
pub fn company(raw: &str, opts: &NormalizeOptions) -> FieldNorm {
    let Some(c) = present(Some(raw), false) else {
        return FieldNorm::missing();
    };
    FieldNorm {
        key: company_key(&c, opts),
        display: Some(c),
        status: FieldStatus::Valid,
        issue: None,
    }
}

#[cfg(test)]
mod tests;
