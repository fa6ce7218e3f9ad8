//! The façade's alert channels and routing rules (administrators, audited), their delivery
//! logs and "Send test".

use super::Console;
use crate::alerts::ChannelInput;
use crate::audit::AuditAction as A;
use crate::auth::{Actor, Permission as P};
use crate::error::Result;
use crate::model::{AlertChannel, AlertRule, Delivery};

impl Console {
    /// The alert service, for the shell to start routing.
    pub fn alerts(&self) -> &std::sync::Arc<crate::alerts::Alerts> {
        &self.alerts
    }

    pub fn alert_channels(&self) -> Result<Vec<AlertChannel>> {
        self.actor(P::ManageMonitoring)?;
        self.alerts.channels()
    }

    pub async fn save_alert_channel(
        &self,
        id: Option<i64>,
        input: ChannelInput,
    ) -> Result<AlertChannel> {
        let target = input.name.trim().to_owned();
        let save = async |_: &Actor| self.alerts.save_channel(id, input).await;
        self.sessions.audited(A::AlertChannelSave, target, None, save).await
    }

    pub fn delete_alert_channel(&self, id: i64) -> Result<()> {
        let target = self.alerts.channels()?.into_iter().find(|c| c.id == id).map(|c| c.name);
        let target = target.unwrap_or_else(|| format!("channel {id}"));
        self.sessions.audited_now(A::AlertChannelDelete, target, |_| {
            self.alerts.delete_channel(id).map(drop)
        })
    }

    pub fn alert_rules(&self) -> Result<Vec<AlertRule>> {
        self.actor(P::ManageMonitoring)?;
        self.alerts.rules()
    }

    pub fn save_alert_rule(&self, rule: AlertRule) -> Result<AlertRule> {
        let target = format!("rule for channel {}", rule.channel_id);
        self.sessions.audited_now(A::AlertRuleSave, target, |_| self.alerts.save_rule(rule))
    }

    pub fn delete_alert_rule(&self, id: i64) -> Result<()> {
        self.sessions
            .audited_now(A::AlertRuleDelete, format!("rule {id}"), |_| self.alerts.delete_rule(id))
    }

    /// A channel's last 200 delivery attempts, newest first.
    pub fn alert_deliveries(&self, channel: i64) -> Result<Vec<Delivery>> {
        self.actor(P::ManageMonitoring)?;
        self.alerts.deliveries(channel)
    }

    /// "Send test": answers what the channel's server said, or why it failed.
    pub async fn send_test_alert(&self, channel: i64) -> Result<String> {
        self.actor(P::ManageMonitoring)?;
        self.alerts.send_test(channel).await
    }
}
