//! Russian first (the regulation: support is given only in Russian), English as a switch.

use crate::api::{ApiError, User};

const LANG_KEY: &str = "reglament.lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ru,
    En,
}

#[derive(Debug, Clone, Copy)]
pub enum Text {
    Portal,
    OtherLanguage,
    Loading,
    SignInTitle,
    Email,
    Password,
    SignIn,
    SigningIn,
    Welcome,
    Name,
    Role,
    SignOut,
}

impl Lang {
    pub fn load() -> Self {
        let stored = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(LANG_KEY).ok().flatten());
        if stored.as_deref() == Some("en") {
            Self::En
        } else {
            Self::Ru
        }
    }

    pub fn store(self) {
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(LANG_KEY, self.code());
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Ru => Self::En,
            Self::En => Self::Ru,
        }
    }

    pub fn text(self, text: Text) -> &'static str {
        let (ru, en) = match text {
            Text::Portal => ("Портал технической поддержки", "Technical support portal"),
            Text::OtherLanguage => ("English", "Русский"),
            Text::Loading => ("Загрузка…", "Loading…"),
            Text::SignInTitle => ("Вход в портал", "Sign in to the portal"),
            Text::Email => ("Электронная почта", "Email"),
            Text::Password => ("Пароль", "Password"),
            Text::SignIn => ("Войти", "Sign in"),
            Text::SigningIn => ("Входим…", "Signing in…"),
            Text::Welcome => ("Вы вошли в портал", "You are signed in"),
            Text::Name => ("Имя", "Name"),
            Text::Role => ("Роль", "Role"),
            Text::SignOut => ("Выйти", "Sign out"),
        };
        match self {
            Self::Ru => ru,
            Self::En => en,
        }
    }

    pub fn role(self, user: &User) -> &'static str {
        let (ru, en) = match (user.kind.as_str(), user.role.as_deref(), user.is_key_contact) {
            ("staff", Some("admin"), _) => ("Администратор", "Administrator"),
            ("staff", Some("support_lead"), _) => ("Руководитель поддержки", "Support lead"),
            ("staff", Some("agent"), _) => ("Сотрудник поддержки", "Support agent"),
            ("staff", Some("account_manager"), _) => ("Аккаунт-менеджер", "Account manager"),
            ("staff", Some("specialist"), _) => ("Специалист", "Specialist"),
            ("client", _, true) => ("Ключевое контактное лицо", "Key contact"),
            _ => ("Клиент", "Client"),
        };
        match self {
            Self::Ru => ru,
            Self::En => en,
        }
    }

    /// The Russian or the English of a pair, in place.
    pub fn tr(self, ru: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Ru => ru,
            Self::En => en,
        }
    }

    pub fn status(self, status: &str) -> &'static str {
        match status {
            "queued" => self.tr("В очереди", "Queued"),
            "open" => self.tr("В работе", "In work"),
            "waiting_for_customer" => self.tr("Ждёт вашего ответа", "Waiting for the customer"),
            "closed" => self.tr("Закрыто", "Closed"),
            _ => "—",
        }
    }

    /// A tier's name (the regulation's Appendix 1).
    pub fn tier(self, code: &str) -> &'static str {
        match code {
            "basic" => self.tr("Базовый", "Basic"),
            "basic_plus" => self.tr("Базовый+", "Basic+"),
            "premium" => self.tr("Премиальный", "Premium"),
            "premium_plus" => self.tr("Премиальный+", "Premium+"),
            _ => "—",
        }
    }

    pub fn category(self, category: &str) -> &'static str {
        match category {
            "consultation" => self.tr("Консультация", "Consultation"),
            "bug" => self.tr("Ошибка (баг)", "Bug"),
            "improvement" => self.tr("Улучшение (доработка)", "Improvement"),
            "account_management" => self.tr("Управление учётными записями", "Account management"),
            "licensing_billing" => self.tr("Лицензирование и счета", "Licensing and billing"),
            "service_request" => self.tr("Профессиональный сервис", "Professional service"),
            _ => "—",
        }
    }

    /// One line on what a category is for (section 1.4 of the regulation).
    pub fn category_hint(self, category: &str) -> &'static str {
        match category {
            "consultation" => self.tr(
                "Вопросы по работе, установке и обновлению ПО; ответ по сроку вашего пакета.",
                "How the software works, installing and upgrading it; answered within your tier's time.",
            ),
            "bug" => self.tr(
                "ПО ведёт себя не так, как описано в документации; укажите версию.",
                "The software behaves unlike its documentation; name the version.",
            ),
            "improvement" => self.tr(
                "Предложение нового функционала; не учитывается в лимите обращений.",
                "A feature request; not counted against the limit.",
            ),
            "account_management" => self.tr(
                "Добавить, удалить или изменить пользователей; только ключевое контактное лицо.",
                "Add, remove or change users; key contacts only.",
            ),
            "licensing_billing" => self.tr(
                "Оплата поддержки и лицензий; без SLA и вне лимита.",
                "Paying for support and licences; no SLA, not counted.",
            ),
            "service_request" => self.tr(
                "Запрос на профессиональный сервис по сертификату.",
                "A professional-services request against a certificate.",
            ),
            _ => "",
        }
    }

    pub fn close_reason(self, reason: &str) -> &'static str {
        match reason {
            "resolved" => self.tr("Решено", "Resolved"),
            "closed_by_customer" => self.tr("Закрыто клиентом", "Closed by the customer"),
            "no_customer_response" => self.tr("Нет ответа клиента", "No customer response"),
            "third_party" => self.tr("Вопрос стороннего ПО", "Third-party software"),
            "unsupported_version" => self.tr("Версия не поддерживается", "Unsupported version"),
            "not_key_contact" => self.tr("Не ключевое контактное лицо", "Not a key contact"),
            "declined" => self.tr("Отклонено", "Declined"),
            "duplicate" => self.tr("Дубликат", "Duplicate"),
            _ => "—",
        }
    }

    /// A readable message for an API error, from its stable `code`.
    pub fn error(self, err: &ApiError) -> String {
        let (ru, en) = match err.code.as_str() {
            "invalid_credentials" => (
                "Неверный адрес электронной почты или пароль.",
                "Wrong email or password.",
            ),
            "too_many_attempts" => (
                "Слишком много неудачных попыток. Повторите вход позже.",
                "Too many failed attempts. Try again later.",
            ),
            "account_disabled" => ("Учетная запись отключена.", "This account is disabled."),
            "validation_failed" | "invalid_json" | "invalid_query" => {
                ("Проверьте введенные данные.", "Check what you entered.")
            }
            "no_active_contract" => (
                "У вашей компании нет действующего договора поддержки: обращения не принимаются. \
                 Вопросы можно задать на портале сообщества.",
                "Your company has no active support contract, so tickets are not accepted.",
            ),
            "no_contract" => ("У компании нет договора поддержки.", "The customer has no contract."),
            "clients_only" => (
                "Обращения создают клиенты компании.",
                "Tickets are opened by the customer's clients.",
            ),
            "forbidden" | "insufficient_scope" => ("Недостаточно прав для этого действия.", "You may not do this."),
            "not_found" => ("Не найдено.", "Not found."),
            "unauthorized" | "invalid_token" | "token_expired" => (
                "Сеанс завершён. Войдите снова.",
                "Your session has ended. Sign in again.",
            ),
            "already_closed" | "ticket_closed" => ("Обращение уже закрыто.", "The ticket is closed already."),
            "key_contact_only" => (
                "Эскалировать может только ключевое контактное лицо.",
                "Only a key contact may escalate.",
            ),
            "not_overdue" => ("Обращение не просрочено.", "The ticket is not overdue."),
            "already_escalated" => ("Обращение уже эскалировано.", "The ticket is escalated already."),
            "payload_too_large" | "file_too_large" => ("Файл слишком большой.", "The file is too large."),
            "unsupported_media_type" | "content_type_mismatch" => {
                ("Такой тип файла не принимается.", "This file type is not accepted.")
            }
            "not_a_bug" => ("Действие доступно только для ошибок.", "Only for bugs."),
            "not_critical" => ("Ошибка не отмечена как критическая.", "The bug is not critical."),
            "network" => (
                "Сервер недоступен. Проверьте соединение.",
                "The server cannot be reached.",
            ),
            _ => ("Не удалось выполнить запрос.", "The request failed."),
        };
        match self {
            Self::Ru => ru.to_owned(),
            Self::En => en.to_owned(),
        }
    }
}
