//! Mail the use cases queue (in the outbox, in the same transaction as the change).

use reglament_store::{Tx, User, mail as outbox};

use crate::{App, Result};

impl App {
    /// Queues the invitation with its one-time link to set a password (R-ACC-1).
    pub(crate) async fn queue_invitation(&self, tx: &mut Tx, user: &User, token: &str) -> Result<()> {
        let link = self.invitation_link(token);
        let subject = "Приглашение на портал технической поддержки";
        let body = format!(
            "Здравствуйте, {name}!\n\n\
             Для вас создана учетная запись на портале технической поддержки.\n\
             Чтобы задать пароль, откройте ссылку (она действует {days} дней и только один раз):\n\n{link}\n\n\
             Если вы не ждали этого письма, просто проигнорируйте его.\n",
            name = user.full_name,
            days = self.config.invitation_ttl.num_days(),
        );
        outbox::enqueue(tx, &user.email, subject, &body, self.now()).await?;
        Ok(())
    }

    #[must_use]
    pub fn invitation_link(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.config.public_url.trim_end_matches('/'))
    }
}
