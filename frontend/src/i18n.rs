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
            "validation_failed" | "invalid_json" => ("Проверьте введенные данные.", "Check what you entered."),
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
