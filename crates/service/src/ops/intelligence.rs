//! The deterministic intelligence tools: requirements from free text, test
//! plans from acceptance criteria, security checklists kept on the issue,
//! and estimates from similar completed work. No model is called: the agent
//! is the intelligence; these follow documented rules and say which fired.

mod estimate;
mod requirements;
mod security;
mod test_plan;

pub use estimate::*;
pub use requirements::*;
pub use security::*;
pub use test_plan::*;

impl crate::Service {
    /// One issue, read in its own transaction.
    pub(crate) async fn read_issue(&self, key: &str) -> crate::Result<lazypm_domain::Issue> {
        let mut tx = self.read().await?;
        super::load_issue(&mut *tx, "issue_key", key).await
    }
}
