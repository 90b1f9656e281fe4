//! Russian first (the regulation: support is given only in Russian), English as a switch.

use crate::api::{ApiError, Category, CloseReason, ErrorCode, StaffRole, Status, TierCode, User, UserKind};

#[cfg(feature = "more")]
/// The months' names, January first (the calendar editor and the booking calendar).
pub const MONTHS_RU: [&str; 12] = [
    "Январь",
    "Февраль",
    "Март",
    "Апрель",
    "Май",
    "Июнь",
    "Июль",
    "Август",
    "Сентябрь",
    "Октябрь",
    "Ноябрь",
    "Декабрь",
];

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
        let (ru, en) = match (user.kind, user.role, user.is_key_contact) {
            (UserKind::Staff, Some(role), _) => return self.staff_role(role),
            (UserKind::Staff, None, _) => ("Сотрудник", "Staff"),
            (UserKind::Client, _, true) => ("Ключевое контактное лицо", "Key contact"),
            (UserKind::Client, _, false) => ("Клиент", "Client"),
        };
        match self {
            Self::Ru => ru,
            Self::En => en,
        }
    }

    pub fn staff_role(self, role: StaffRole) -> &'static str {
        match role {
            StaffRole::Admin => self.tr("Администратор", "Administrator"),
            StaffRole::SupportLead => self.tr("Руководитель поддержки", "Support lead"),
            StaffRole::Agent => self.tr("Сотрудник поддержки", "Support agent"),
            StaffRole::AccountManager => self.tr("Аккаунт-менеджер", "Account manager"),
            StaffRole::Specialist => self.tr("Специалист", "Specialist"),
        }
    }

    /// The Russian or the English of a pair, in place.
    pub fn tr(self, ru: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Ru => ru,
            Self::En => en,
        }
    }

    pub fn status(self, status: Status) -> &'static str {
        match status {
            Status::Queued => self.tr("В очереди", "Queued"),
            Status::Open => self.tr("В работе", "In work"),
            Status::WaitingForCustomer => self.tr("Ждёт вашего ответа", "Waiting for the customer"),
            Status::Closed => self.tr("Закрыто", "Closed"),
        }
    }

    /// A tier's name (the regulation's Appendix 1).
    pub fn tier(self, code: &str) -> &'static str {
        match code.parse::<TierCode>() {
            Ok(TierCode::Basic) => self.tr("Базовый", "Basic"),
            Ok(TierCode::BasicPlus) => self.tr("Базовый+", "Basic+"),
            Ok(TierCode::Premium) => self.tr("Премиальный", "Premium"),
            Ok(TierCode::PremiumPlus) => self.tr("Премиальный+", "Premium+"),
            // Tiers are data: one an admin added has no translation here.
            Err(_) => "—",
        }
    }

    pub fn category(self, category: Category) -> &'static str {
        match category {
            Category::Consultation => self.tr("Консультация", "Consultation"),
            Category::Bug => self.tr("Ошибка (баг)", "Bug"),
            Category::Improvement => self.tr("Улучшение (доработка)", "Improvement"),
            Category::AccountManagement => self.tr("Управление учётными записями", "Account management"),
            Category::LicensingBilling => self.tr("Лицензирование и счета", "Licensing and billing"),
            Category::ServiceRequest => self.tr("Профессиональный сервис", "Professional service"),
        }
    }

    /// One line on what a category is for (section 1.4 of the regulation).
    pub fn category_hint(self, category: Category) -> &'static str {
        match category {
            Category::Consultation => self.tr(
                "Вопросы по работе, установке и обновлению ПО; ответ по сроку вашего пакета.",
                "How the software works, installing and upgrading it; answered within your tier's time.",
            ),
            Category::Bug => self.tr(
                "ПО ведёт себя не так, как описано в документации; укажите версию.",
                "The software behaves unlike its documentation; name the version.",
            ),
            Category::Improvement => self.tr(
                "Предложение нового функционала; не учитывается в лимите обращений.",
                "A feature request; not counted against the limit.",
            ),
            Category::AccountManagement => self.tr(
                "Добавить, удалить или изменить пользователей; только ключевое контактное лицо.",
                "Add, remove or change users; key contacts only.",
            ),
            Category::LicensingBilling => self.tr(
                "Оплата поддержки и лицензий; без SLA и вне лимита.",
                "Paying for support and licences; no SLA, not counted.",
            ),
            Category::ServiceRequest => self.tr(
                "Запрос на профессиональный сервис по сертификату.",
                "A professional-services request against a certificate.",
            ),
        }
    }

    pub fn close_reason(self, reason: CloseReason) -> &'static str {
        match reason {
            CloseReason::Resolved => self.tr("Решено", "Resolved"),
            CloseReason::ClosedByCustomer => self.tr("Закрыто клиентом", "Closed by the customer"),
            CloseReason::NoCustomerResponse => self.tr("Нет ответа клиента", "No customer response"),
            CloseReason::ThirdParty => self.tr("Вопрос стороннего ПО", "Third-party software"),
            CloseReason::UnsupportedVersion => self.tr("Версия не поддерживается", "Unsupported version"),
            CloseReason::NotKeyContact => self.tr("Не ключевое контактное лицо", "Not a key contact"),
            CloseReason::Declined => self.tr("Отклонено", "Declined"),
            CloseReason::Duplicate => self.tr("Дубликат", "Duplicate"),
            CloseReason::ContractEnded => self.tr("Договор поддержки закончился", "The support contract ended"),
        }
    }

    /// A readable message for an API error, from its stable `code`. Exhaustive: a new
    /// code in `reglament_api` does not build until it is translated here.
    pub fn error(self, err: &ApiError) -> String {
        let code = match err {
            ApiError::Network(_) => {
                return self
                    .tr(
                        "Сервер недоступен. Проверьте соединение.",
                        "The server cannot be reached.",
                    )
                    .to_owned();
            }
            ApiError::Api { code, .. } => *code,
        };
        let (ru, en) = match code {
            ErrorCode::InvalidCredentials => (
                "Неверный адрес электронной почты или пароль.",
                "Wrong email or password.",
            ),
            ErrorCode::TooManyAttempts => (
                "Слишком много неудачных попыток. Повторите вход позже.",
                "Too many failed attempts. Try again later.",
            ),
            ErrorCode::AccountDisabled => ("Учетная запись отключена.", "This account is disabled."),
            ErrorCode::InvalidImport => (
                "Список не читается: нужны заголовок с колонками email и full_name и корректный CSV или JSON.",
                "The list cannot be read: it needs a header with email and full_name, and valid CSV or JSON.",
            ),
            ErrorCode::ImportHasErrors => (
                "В списке есть строки с ошибками: ничего не импортировано.",
                "Some rows have errors: nothing was imported.",
            ),
            ErrorCode::AlreadyApplied => ("Запрос уже выполнен.", "The request was carried out already."),
            ErrorCode::LastKeyContact => (
                "Это последнее ключевое контактное лицо компании с действующим договором: укажите новое в том же запросе.",
                "This is the company's last key contact under a contract in force: name the new one in the same request.",
            ),
            ErrorCode::WebhookPaused => (
                "Подписка приостановлена: сначала возобновите ее.",
                "The subscription is paused: resume it first.",
            ),
            ErrorCode::DeliveryNotFailed => (
                "Повторить можно только недоставленное событие.",
                "Only a failed delivery can be sent again.",
            ),
            ErrorCode::AccessExpired => (
                "Договор поддержки вашей компании закончился, и доступ к порталу закрыт. \
                 Он откроется снова, как только договор будет продлен.",
                "Your company's support contract has ended and portal access is closed. \
                 It reopens as soon as the contract is renewed.",
            ),
            ErrorCode::ValidationFailed | ErrorCode::InvalidJson | ErrorCode::InvalidQuery | ErrorCode::InvalidPath => {
                ("Проверьте введенные данные.", "Check what you entered.")
            }
            ErrorCode::NoActiveContract => (
                "У вашей компании нет действующего договора поддержки: обращения не принимаются. \
                 Вопросы можно задать на портале сообщества.",
                "Your company has no active support contract, so tickets are not accepted.",
            ),
            ErrorCode::NoContract => ("У компании нет договора поддержки.", "The customer has no contract."),
            ErrorCode::ClientsOnly => (
                "Обращения создают клиенты компании.",
                "Tickets are opened by the customer's clients.",
            ),
            ErrorCode::Forbidden | ErrorCode::InsufficientScope | ErrorCode::SessionRequired => {
                ("Недостаточно прав для этого действия.", "You may not do this.")
            }
            ErrorCode::NotFound | ErrorCode::NoSuchEndpoint | ErrorCode::MethodNotAllowed => {
                ("Не найдено.", "Not found.")
            }
            ErrorCode::Unauthorized
            | ErrorCode::InvalidToken
            | ErrorCode::TokenExpired
            | ErrorCode::InvalidRefreshToken => (
                "Сеанс завершён. Войдите снова.",
                "Your session has ended. Sign in again.",
            ),
            ErrorCode::AlreadyClosed | ErrorCode::TicketClosed => {
                ("Обращение уже закрыто.", "The ticket is closed already.")
            }
            ErrorCode::KeyContactOnly => (
                "Эскалировать может только ключевое контактное лицо.",
                "Only a key contact may escalate.",
            ),
            ErrorCode::NotOverdue => ("Обращение не просрочено.", "The ticket is not overdue."),
            ErrorCode::AlreadyEscalated => ("Обращение уже эскалировано.", "The ticket is escalated already."),
            ErrorCode::PayloadTooLarge | ErrorCode::AttachmentTooLarge => {
                ("Файл слишком большой.", "The file is too large.")
            }
            ErrorCode::UnsupportedMediaType | ErrorCode::ContentTypeMismatch => {
                ("Такой тип файла не принимается.", "This file type is not accepted.")
            }
            ErrorCode::EmptyFile => ("Файл пуст.", "The file is empty."),
            ErrorCode::UploadFailed => ("Файл не загрузился. Повторите.", "The upload failed. Try again."),
            ErrorCode::AttachmentPurged => (
                "Файл удалён: конфиденциальные файлы хранятся 30 дней.",
                "The file was purged: confidential files are kept for 30 days.",
            ),
            ErrorCode::NotABug => ("Действие доступно только для ошибок.", "Only for bugs."),
            ErrorCode::NotCritical => ("Ошибка не отмечена как критическая.", "The bug is not critical."),
            ErrorCode::AlreadyConfirmed => ("Ошибка уже подтверждена.", "The bug is confirmed already."),
            ErrorCode::UnknownTier => ("Нет такого пакета поддержки.", "There is no such support tier."),
            ErrorCode::YearOutOfRange => (
                "Календарь охватывает 2015–2100 годы.",
                "The calendar covers 2015 to 2100.",
            ),
            ErrorCode::InvalidCalendar => ("Календарь противоречив.", "The calendar contradicts itself."),
            ErrorCode::InvalidTime | ErrorCode::InvalidDays => ("Неверная дата или срок.", "Wrong date or term."),
            ErrorCode::InvalidInvitation => (
                "Ссылка-приглашение недействительна или устарела.",
                "The invitation link is invalid or expired.",
            ),
            ErrorCode::AlreadyExists => ("Такая запись уже есть.", "This already exists."),
            ErrorCode::EmailTaken => ("Этот адрес уже занят.", "This email is taken."),
            ErrorCode::ContractOverlap => (
                "Сроки договора пересекаются с другим договором.",
                "The contract overlaps another one.",
            ),
            ErrorCode::ContactLimitReached => (
                "Пакет поддержки не допускает больше контактных лиц.",
                "The tier allows no more contacts.",
            ),
            ErrorCode::SeveralTeamsNotAllowed => (
                "Пакет поддержки допускает только одну команду.",
                "The tier allows one team only.",
            ),
            ErrorCode::CannotChangeSelf => (
                "Нельзя отключить или понизить свою учётную запись.",
                "You cannot disable or demote yourself.",
            ),
            ErrorCode::NotKeyContact => (
                "Это может сделать только ключевое контактное лицо компании.",
                "Only the company's key contact may do this.",
            ),
            ErrorCode::EstimateNotPending => (
                "Оценка уже согласована, отклонена или заменена новой.",
                "The estimate was decided already or replaced.",
            ),
            ErrorCode::WorkLogOverlap => (
                "Это время пересекается с уже учтенной работой специалиста.",
                "This overlaps work the specialist has logged.",
            ),
            ErrorCode::NotAServiceRequest => (
                "Оценки и учет работ — только для запросов на профессиональный сервис.",
                "Estimates and work logs are for service requests only.",
            ),
            ErrorCode::EstimateNotApproved => (
                "Работы учитываются после согласования оценки ключевым контактным лицом.",
                "Work is logged once the key contact approved the estimate.",
            ),
            ErrorCode::NoActiveCertificate => (
                "У компании нет действующего сертификата профессионального сервиса.",
                "The company has no valid professional-services certificate.",
            ),
            ErrorCode::CertificateExpired => (
                "Месяц позже окончания срока действия сертификата.",
                "The month is past the certificate's expiry.",
            ),
            ErrorCode::InsufficientBalance => (
                "Остатка часов на сертификате недостаточно.",
                "The certificate's balance is not enough.",
            ),
            ErrorCode::BookingClosed => (
                "Бронирование на этот месяц закрыто: прием заявок и изменений заканчивается за 5 дней до начала месяца.",
                "Booking for this month is closed: bookings and changes close 5 days before the month.",
            ),
            ErrorCode::AfterContractEnd => (
                "Этот месяц позже окончания договора поддержки: сначала продлите договор.",
                "This month is after the support contract ends: renew it first.",
            ),
            ErrorCode::CapacityExceeded => (
                "Недостаточно свободных часов специалистов в этом месяце.",
                "Not enough free specialist hours in this month.",
            ),
            ErrorCode::TelegramNotInTier => (
                "Telegram-чаты доступны только на уровнях «Премиальная» и «Премиальная+».",
                "Telegram chats are for the Premium and Premium+ tiers only.",
            ),
            ErrorCode::TelegramNotLinked => (
                "Сначала привяжите Telegram: получите код и отправьте его боту.",
                "Link Telegram first: get a code and send it to the bot.",
            ),
            ErrorCode::TelegramNotConfigured => (
                "Telegram-бот на сервере не настроен.",
                "This server runs no Telegram bot.",
            ),
            ErrorCode::MailNotProcessable => (
                "Это письмо нельзя обработать: его содержимое удалено.",
                "This mail cannot be processed: its content was purged.",
            ),
            ErrorCode::VersionIsLatest => (
                "Последняя версия всегда поддерживается.",
                "The latest version is always supported.",
            ),
            ErrorCode::InternalError => ("Не удалось выполнить запрос.", "The request failed."),
        };
        match self {
            Self::Ru => ru.to_owned(),
            Self::En => en.to_owned(),
        }
    }
}
