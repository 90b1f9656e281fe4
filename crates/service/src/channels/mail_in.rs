//! Reading a received mail (R-CH-2): MIME with `mail-parser` (plain text preferred, HTML
//! turned into text, Russian charsets and RFC 2047 subjects decoded), the documented
//! subject tags, and cutting quoted history and signatures from replies.

use mail_parser::{HeaderValue, MessageParser, MimeHeaders};
use reglament_domain::Category;

/// A received mail, as the intake needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// Without the angle brackets; a digest of the raw message when it has none.
    pub message_id: String,
    /// `In-Reply-To` then `References`, without angle brackets, newest first.
    pub thread: Vec<String>,
    /// The sender's address, lowercase.
    pub from: String,
    /// Every recipient (`To`, `Cc`, `Delivered-To`, `X-Original-To`), lowercase.
    pub recipients: Vec<String>,
    pub subject: String,
    /// The text: the plain part, else the HTML part as text.
    pub text: String,
    pub attachments: Vec<InboundFile>,
    /// An auto-reply, a bounce or a list robot: never a ticket, so two robots cannot loop.
    pub automatic: bool,
    pub raw: Vec<u8>,
}

/// An attached file of a received mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundFile {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Parses a raw RFC 5322 message; `None` when it is not one.
#[must_use]
pub fn parse(raw: &[u8]) -> Option<InboundMail> {
    let message = MessageParser::default().parse(raw)?;
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        match value {
            HeaderValue::Text(t) => vec![t.to_string()],
            HeaderValue::TextList(list) => list.iter().rev().map(ToString::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let mut thread = ids(message.in_reply_to());
    thread.extend(ids(message.references()));
    let message_id = message.message_id().map_or_else(
        || {
            use sha2::Digest as _;
            format!("sha256-{}@reglament", hex::encode(sha2::Sha256::digest(raw)))
        },
        ToOwned::to_owned,
    );
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let mut recipients: Vec<String> = message
        .to()
        .into_iter()
        .chain(message.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(str::to_lowercase)
        .collect();
    for name in ["Delivered-To", "X-Original-To"] {
        for value in message.header_values(name) {
            if let Some(text) = value.as_text() {
                recipients.push(text.trim().trim_matches(['<', '>']).to_lowercase());
            }
        }
    }
    let header_text = |name: &str| {
        message
            .header(name)
            .and_then(HeaderValue::as_text)
            .map(str::to_lowercase)
    };
    let auto_submitted = header_text("Auto-Submitted").is_some_and(|v| v.trim() != "no");
    let precedence =
        header_text("Precedence").is_some_and(|v| matches!(v.trim(), "bulk" | "junk" | "list" | "auto_reply"));
    let robot = {
        let local = from.split('@').next().unwrap_or_default();
        matches!(local, "mailer-daemon" | "postmaster" | "noreply" | "no-reply")
    };
    let suppress = message.header("X-Auto-Response-Suppress").is_some() && message.header("X-Autoreply").is_some();
    let report = message
        .content_type()
        .is_some_and(|ct| ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report")));
    let text = message
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default();
    let attachments: Vec<InboundFile> = message
        .attachments()
        .filter(|part| !part.is_message())
        .map(|part| InboundFile {
            name: part.attachment_name().unwrap_or("file").to_owned(),
            content_type: part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned())
                .to_lowercase(),
            bytes: part.contents().to_vec(),
        })
        .collect();
    // Text a database stores: PostgreSQL refuses U+0000 (an HTTP client is told; a mail
    // cannot be, so the character is dropped).
    let clean = |text: &str| text.replace('\0', "");
    Some(InboundMail {
        message_id: clean(&message_id),
        thread: thread.iter().map(|t| clean(t)).collect(),
        from: clean(&from),
        recipients: recipients.iter().map(|r| clean(r)).collect(),
        subject: clean(message.subject().unwrap_or_default().trim()),
        text: clean(&text),
        attachments: attachments
            .into_iter()
            .map(|file| InboundFile {
                name: clean(&file.name),
                content_type: clean(&file.content_type),
                ..file
            })
            .collect(),
        automatic: auto_submitted || precedence || robot || suppress || report,
        raw: raw.to_vec(),
    })
}

/// Names each refused attachment, with why, at the end of a mail's message.
pub fn name_refused(body: &mut String, refused: &[(String, String)]) {
    for (name, why) in refused {
        body.push_str(&format!("\n\n[Вложение «{name}» не принято: {why}]"));
    }
}

/// The ticket number a subject names as `[#1234]`, when it names one.
#[must_use]
pub fn subject_number(subject: &str) -> Option<i64> {
    let start = subject.find("[#")? + 2;
    let rest = &subject[start..];
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok()
}

/// The documented subject tags that choose a new ticket's category (R-CH-2); without one
/// a mail opens a `consultation`. A tag is `[bug]` or its Russian name in brackets, in
/// any case, anywhere in the subject; it is removed from the ticket's subject.
pub const CATEGORY_TAGS: [(&str, Category); 12] = [
    ("bug", Category::Bug),
    ("ошибка", Category::Bug),
    ("improvement", Category::Improvement),
    ("доработка", Category::Improvement),
    ("consultation", Category::Consultation),
    ("консультация", Category::Consultation),
    ("account", Category::AccountManagement),
    ("учетная запись", Category::AccountManagement),
    ("licensing", Category::LicensingBilling),
    ("лицензирование", Category::LicensingBilling),
    ("service", Category::ServiceRequest),
    ("услуги", Category::ServiceRequest),
];

/// The category a subject's tag names, and the subject without the tag (and without
/// `Re:`/`Fwd:` prefixes).
#[must_use]
pub fn subject_category(subject: &str) -> (Category, String) {
    let mut category = Category::Consultation;
    let mut cleaned = subject.to_owned();
    let lower = subject.to_lowercase();
    for (tag, cat) in CATEGORY_TAGS {
        let bracketed = format!("[{tag}]");
        if let Some(at) = lower.find(&bracketed) {
            category = cat;
            // The lowercase text has the same byte offsets for these tags' letters only when
            // the subject's case change keeps lengths; Cyrillic and ASCII do.
            if lower.len() == subject.len() {
                cleaned.replace_range(at..at + bracketed.len(), "");
            }
            break;
        }
    }
    (category, strip_prefixes(cleaned.trim()).to_owned())
}

fn strip_prefixes(mut s: &str) -> &str {
    loop {
        let lower = s.to_lowercase();
        let Some(prefix) = ["re:", "fwd:", "fw:", "ответ:", "отв:", "пересл:"]
            .iter()
            .find(|p| lower.starts_with(*p))
        else {
            return s;
        };
        s = s[prefix.len()..].trim_start();
    }
}

/// The product version a mail's text names on a line `Версия: 3.2.1` or `Version: 3.2.1`
/// (R-TKT-4: a bug report names one).
#[must_use]
pub fn text_version(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let lower = line.to_lowercase();
        ["версия:", "version:"].iter().find_map(|p| {
            lower
                .starts_with(p)
                .then(|| line[p.len()..].trim().to_owned())
                .filter(|v| !v.is_empty())
        })
    })
}

/// A reply without the quoted history and the signature: everything from the first
/// attribution line (`On … wrote:`, `… пишет:`), quote marker (`>`), forwarded or
/// original-message separator, or the signature delimiter `-- ` on.
#[must_use]
pub fn strip_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_end();
        let lower = t.trim_start().to_lowercase();
        let attribution = (lower.ends_with("wrote:")
            || lower.ends_with("пишет:")
            || lower.ends_with("написал:")
            || lower.ends_with("написала:"))
            && i + 1 < lines.len()
            && lines[i + 1..].iter().any(|l| l.trim_start().starts_with('>'));
        let separator = lower.starts_with("-----original message-----")
            || lower.starts_with("-------- original message")
            || lower.starts_with("-------- исходное сообщение")
            || lower.starts_with("-------- пересылаемое сообщение")
            || lower.starts_with("---------- forwarded message");
        if t == "--" && line.starts_with("-- ") || t == "-- " || attribution || separator || t.starts_with('>') {
            end = i;
            break;
        }
    }
    lines[..end].join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ch_2_a_windows_1251_mail_with_an_encoded_subject_decodes() {
        let body = encoding_1251("Добрый день! Не работает отчет.");
        let mut raw = b"From: =?windows-1251?B?yOLg7Q==?= <Ivan@Client.example>\r\n\
To: support@vendor.example\r\n\
Subject: =?windows-1251?Q?=CE=F8=E8=E1=EA=E0_[bug]?=\r\n\
Message-ID: <m1@client.example>\r\n\
Content-Type: text/plain; charset=windows-1251\r\n\
Content-Transfer-Encoding: 8bit\r\n\r\n"
            .to_vec();
        raw.extend(body);
        let mail = parse(&raw).expect("parses");
        assert_eq!(mail.from, "ivan@client.example");
        assert_eq!(mail.subject, "Ошибка [bug]");
        assert_eq!(mail.text.trim(), "Добрый день! Не работает отчет.");
        assert_eq!(mail.message_id, "m1@client.example");
        assert!(!mail.automatic);
    }

    // PostgreSQL cannot store U+0000: a mail carrying it (raw, or encoded in a header)
    // is read without it instead of failing the intake on that backend.
    #[test]
    fn r_ch_2_a_nul_in_a_mail_is_dropped() {
        let raw = b"From: a@b.example\r\nSubject: =?utf-8?B?0J7RiAA=?= x\r\nMessage-ID: <n\0ul@b.example>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nText\0 with a NUL\r\n";
        let mail = parse(raw).expect("parses");
        assert!(
            !mail.subject.contains('\0') && mail.subject.starts_with("Ош"),
            "{:?}",
            mail.subject
        );
        assert_eq!(mail.text.trim(), "Text with a NUL");
        assert!(!mail.message_id.contains('\0'));
    }

    #[test]
    fn r_ch_2_koi8_r_quoted_printable_and_html_only_decode() {
        // "Привет" in KOI8-R is F0 D2 C9 D7 C5 D4.
        let raw = b"From: a@b.example\r\nSubject: =?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=\r\n\
Content-Type: text/html; charset=koi8-r\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
<html><body><p>=F0=D2=C9=D7=C5=D4, <b>=D7=C5=D4</b></p></body></html>\r\n";
        let mail = parse(raw).expect("parses");
        assert_eq!(mail.subject, "Привет");
        assert!(mail.text.contains("Привет"), "{}", mail.text);
        assert!(!mail.text.contains("<b>"), "{}", mail.text);
        assert!(
            mail.message_id.starts_with("sha256-"),
            "a digest stands in for a missing Message-ID"
        );
    }

    #[test]
    fn r_ch_2_auto_replies_and_bounces_are_automatic() {
        for header in [
            "Auto-Submitted: auto-replied",
            "Precedence: bulk",
            "Precedence: auto_reply",
        ] {
            let raw = format!("From: a@b.example\r\n{header}\r\nSubject: Out of office\r\n\r\nAway\r\n");
            assert!(parse(raw.as_bytes()).expect("parses").automatic, "{header}");
        }
        let bounce = b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered\r\n\r\nNo such user\r\n";
        assert!(parse(bounce).expect("parses").automatic);
        let human = b"From: a@b.example\r\nAuto-Submitted: no\r\nSubject: Hi\r\n\r\nHi\r\n";
        assert!(!parse(human).expect("parses").automatic);
    }

    #[test]
    fn r_ch_2_the_thread_headers_and_recipients_are_read() {
        let raw = b"From: a@b.example\r\nTo: Support <support@v.example>\r\nCc: private@v.example\r\n\
In-Reply-To: <x@reglament>\r\nReferences: <root@reglament> <x@reglament>\r\nSubject: Re: [#12] Q\r\n\r\nok\r\n";
        let mail = parse(raw).expect("parses");
        assert_eq!(mail.thread, ["x@reglament", "x@reglament", "root@reglament"]);
        assert_eq!(mail.recipients, ["support@v.example", "private@v.example"]);
        assert_eq!(subject_number(&mail.subject), Some(12));
    }

    #[test]
    fn r_ch_2_subject_tags_choose_the_category() {
        assert_eq!(
            subject_category("Re: [BUG] Отчет падает"),
            (Category::Bug, "Отчет падает".to_owned())
        );
        assert_eq!(
            subject_category("Нужна доработка [Доработка]"),
            (Category::Improvement, "Нужна доработка".to_owned())
        );
        assert_eq!(
            subject_category("Вопрос"),
            (Category::Consultation, "Вопрос".to_owned())
        );
        assert_eq!(subject_number("Обращение [#1234]: ответ"), Some(1234));
        assert_eq!(subject_number("[#abc]"), None);
        assert_eq!(text_version("Текст\nВерсия: 3.2.1\n"), Some("3.2.1".to_owned()));
    }

    #[test]
    fn r_ch_2_quoted_history_and_signatures_are_cut() {
        let reply = "Спасибо, помогло.\n\n-- \nИван Петров\nООО Клиент";
        assert_eq!(strip_quoted(reply), "Спасибо, помогло.");
        let quoted = "Да, так и есть.\n\nВ пн, 30 нояб. 2026 г. в 10:00, Поддержка <s@v.example> пишет:\n> Уточните версию\n> продукта";
        assert_eq!(strip_quoted(quoted), "Да, так и есть.");
        let outlook = "Ok\n-----Original Message-----\nFrom: x";
        assert_eq!(strip_quoted(outlook), "Ok");
        let top_only = "Line one\nLine two";
        assert_eq!(strip_quoted(top_only), top_only);
    }

    fn encoding_1251(text: &str) -> Vec<u8> {
        text.chars()
            .map(|c| match c {
                'А'..='я' => u8::try_from(u32::from(c) - 0x410 + 0xC0).expect("cyrillic"),
                'ё' => 0xB8,
                c => u8::try_from(u32::from(c)).expect("ascii"),
            })
            .collect()
    }
}
