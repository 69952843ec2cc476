//! Projects and their submodules (the admin toolset).

use std::path::{Path, PathBuf};

use lazypm_domain::text::{bounded, required, slugify};
use lazypm_domain::{EventType, Project, ProjectKey, ProjectMetadata, Submodule};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{Result, Service, ServiceError, detect};

/// Register the project in a directory, detecting its git root, remote, default branch and submodules.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitProjectInput {
    /// Directory of the project; defaults to the git root of the working directory.
    pub path: Option<String>,
    /// Project key, 2–10 letters/digits (`PROJ`); derived from the name when omitted.
    pub key: Option<String>,
    /// Display name; defaults to the directory's name.
    pub name: Option<String>,
    pub description: Option<String>,
    /// Require an approved review before issues can be completed.
    pub require_review: Option<bool>,
    /// Whether pm_start_work makes the issue's git branch (default true).
    pub auto_branch: Option<bool>,
}

/// Register a project with explicit settings (no detection).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterProjectInput {
    /// The project key, 2–10 letters/digits (`PROJ`).
    pub project_id: String,
    pub name: String,
    /// Absolute path of the project's directory.
    pub path: String,
    pub description: Option<String>,
    pub require_review: Option<bool>,
    /// Whether pm_start_work makes the issue's git branch (default true).
    pub auto_branch: Option<bool>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectOutput {
    pub project: Project,
    /// False when the path was already registered and that project is returned.
    pub created: bool,
    pub next_steps: Vec<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjectsInput {}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListProjectsOutput {
    pub projects: Vec<ProjectSummary>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectSummary {
    pub key: String,
    pub name: String,
    pub path: String,
    /// The project tools use when no project_id is given.
    pub current: bool,
}

/// Add a submodule (a part of the project that issues can name as their module).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSubmoduleInput {
    pub project_id: Option<String>,
    pub name: String,
    /// Path relative to the project root; defaults to the name.
    pub path: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveSubmoduleInput {
    pub project_id: Option<String>,
    pub name: String,
    /// Submodule to move its issues to; when omitted they are left without a module.
    pub reassign_to: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSubmodulesInput {
    pub project_id: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SubmodulesOutput {
    pub project: String,
    pub submodules: Vec<SubmoduleSummary>,
    /// Issues moved to another module (pm_remove_submodule only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reassigned_issues: Option<u64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct SubmoduleSummary {
    #[serde(flatten)]
    pub submodule: Submodule,
    pub open_issues: i64,
    pub total_issues: i64,
}

fn absolute(field: &str, path: &str, cwd: Option<&Path>) -> Result<PathBuf> {
    let p = PathBuf::from(path.trim());
    if path.trim().is_empty() {
        return Err(ServiceError::invalid(field, "must not be empty"));
    }
    let p = if p.is_absolute() {
        p
    } else {
        cwd.map(|c| c.join(&p)).ok_or_else(|| {
            ServiceError::invalid(
                field,
                format!("'{path}' is relative; give an absolute path"),
            )
        })?
    };
    Ok(std::fs::canonicalize(&p).unwrap_or(p))
}

impl Service {
    pub async fn pm_init_project(&self, input: InitProjectInput) -> Result<ProjectOutput> {
        let start = match &input.path {
            Some(p) => absolute("path", p, self.ctx.cwd.as_deref())?,
            None => self.ctx.cwd.clone().ok_or_else(|| {
                ServiceError::invalid("path", "no working directory is known: pass path")
            })?,
        };
        if !start.is_dir() {
            return Err(ServiceError::invalid(
                "path",
                format!("'{}' is not a directory", start.display()),
            ));
        }
        let root = if input.path.is_some() {
            start.clone()
        } else {
            detect::git_root(&start).unwrap_or(start.clone())
        };
        let dir_name = root
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "project".into());
        let name = match &input.name {
            Some(n) => required("name", n, 200)?,
            None => dir_name,
        };
        let key = match &input.key {
            Some(k) => ProjectKey::parse("key", k)?,
            None => ProjectKey::derive(&name).ok_or_else(|| {
                ServiceError::invalid(
                    "key",
                    format!("cannot derive a key from '{name}': pass key, like PROJ"),
                )
            })?,
        };
        let mut metadata = ProjectMetadata {
            description: input
                .description
                .as_deref()
                .map(|d| bounded("description", d, 2000))
                .transpose()?,
            require_review: input.require_review.unwrap_or(false),
            auto_branch: input.auto_branch,
            ..Default::default()
        };
        if root.join(".git").exists() {
            metadata.vcs = detect::vcs(&root);
            metadata.submodules = detect::submodules(&root);
        }
        self.register(
            key,
            name,
            root,
            metadata,
            input.key.is_some().then_some("key"),
        )
        .await
    }

    pub async fn pm_register_project(&self, input: RegisterProjectInput) -> Result<ProjectOutput> {
        let key = ProjectKey::parse("project_id", &input.project_id)?;
        let name = required("name", &input.name, 200)?;
        let path = absolute("path", &input.path, None)?;
        let metadata = ProjectMetadata {
            description: input
                .description
                .as_deref()
                .map(|d| bounded("description", d, 2000))
                .transpose()?,
            require_review: input.require_review.unwrap_or(false),
            auto_branch: input.auto_branch,
            ..Default::default()
        };
        self.register(key, name, path, metadata, Some("project_id"))
            .await
    }

    async fn register(
        &self,
        key: ProjectKey,
        name: String,
        path: PathBuf,
        metadata: ProjectMetadata,
        // The input field that named the key, when the caller gave one.
        key_field: Option<&str>,
    ) -> Result<ProjectOutput> {
        let key_given = key_field.is_some();
        let path = path.to_string_lossy().to_string();
        let mut w = self.write().await?;
        let existing = w.list_projects().await?;
        if let Some(p) = existing.iter().find(|p| p.path == path) {
            if key_given && p.key != key.as_str() {
                return Err(ServiceError::invalid(
                    "path",
                    format!(
                        "{path} is already registered as project {}; use that key",
                        p.key
                    ),
                ));
            }
            return Ok(ProjectOutput {
                project: p.clone(),
                created: false,
                next_steps: vec![format!("pm_status: see how {} stands", p.key)],
            });
        }
        if existing.iter().any(|p| p.key == key.as_str()) {
            return Err(ServiceError::invalid(
                key_field.unwrap_or("name"),
                format!("project key {key} is taken: pass another key"),
            ));
        }
        let mut project = Project {
            id: 0,
            key: key.to_string(),
            slug: slugify(&name, 60),
            name,
            path,
            metadata,
            created_at: w.now,
            updated_at: w.now,
        };
        project.id = w.insert_project(&project).await?;
        w.record(
            EventType::ProjectCreated,
            Some(&project.key),
            &project.key,
            None,
            json!({ "name": project.name, "path": project.path, "metadata": project.metadata }),
        )
        .await?;
        w.commit().await?;
        Ok(ProjectOutput {
            next_steps: vec![format!(
                "pm_create_issue: add the first issue to {}",
                project.key
            )],
            project,
            created: true,
        })
    }

    pub async fn pm_list_projects(&self, _input: ListProjectsInput) -> Result<ListProjectsOutput> {
        let mut tx = self.read().await?;
        let current = self
            .resolve_project(&mut *tx, None)
            .await
            .ok()
            .map(|p| p.key);
        let projects = tx
            .list_projects()
            .await?
            .into_iter()
            .map(|p| ProjectSummary {
                current: current.as_deref() == Some(p.key.as_str()),
                key: p.key,
                name: p.name,
                path: p.path,
            })
            .collect();
        Ok(ListProjectsOutput { projects })
    }

    pub async fn pm_add_submodule(&self, input: AddSubmoduleInput) -> Result<SubmodulesOutput> {
        let name = required("name", &input.name, 100)?;
        let path = match &input.path {
            Some(p) => required("path", p, 500)?,
            None => name.clone(),
        };
        if Path::new(&path).is_absolute() || path.split('/').any(|c| c == "..") {
            return Err(ServiceError::invalid(
                "path",
                format!("'{path}' must be relative to the project root and stay inside it"),
            ));
        }
        let mut w = self.write().await?;
        let mut project = self
            .resolve_project(&mut *w, input.project_id.as_deref())
            .await?;
        if project.metadata.submodules.iter().any(|s| s.name == name) {
            return Err(ServiceError::invalid(
                "name",
                format!("submodule '{name}' already exists in {}", project.key),
            ));
        }
        let sub = Submodule {
            has_own_repo: Path::new(&project.path).join(&path).join(".git").exists(),
            name,
            path,
            description: input
                .description
                .as_deref()
                .map(|d| bounded("description", d, 2000))
                .transpose()?,
        };
        project.metadata.submodules.push(sub.clone());
        project.updated_at = w.now;
        w.update_project(&project).await?;
        w.record(
            EventType::SubmoduleAdded,
            Some(&project.key),
            &project.key,
            None,
            json!({ "submodule": sub }),
        )
        .await?;
        let out = self.submodule_summary(&mut *w, &project, None).await?;
        w.commit().await?;
        Ok(out)
    }

    pub async fn pm_remove_submodule(
        &self,
        input: RemoveSubmoduleInput,
    ) -> Result<SubmodulesOutput> {
        let mut w = self.write().await?;
        let mut project = self
            .resolve_project(&mut *w, input.project_id.as_deref())
            .await?;
        let names: Vec<String> = project
            .metadata
            .submodules
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let Some(pos) = names.iter().position(|n| *n == input.name) else {
            return Err(ServiceError::invalid(
                "name",
                format!(
                    "no submodule '{}' in {}: existing ones are {}",
                    input.name,
                    project.key,
                    list_or_none(&names)
                ),
            ));
        };
        if let Some(to) = &input.reassign_to
            && (to == &input.name || !names.contains(to))
        {
            return Err(ServiceError::invalid(
                "reassign_to",
                format!(
                    "'{to}' is not another submodule of {}: choose one of {}",
                    project.key,
                    list_or_none(&names)
                ),
            ));
        }
        let removed = project.metadata.submodules.remove(pos);
        project.updated_at = w.now;
        w.update_project(&project).await?;
        let now = w.now;
        let moved = w
            .reassign_module(project.id, &removed.name, input.reassign_to.as_deref(), now)
            .await?;
        w.record(
            EventType::SubmoduleRemoved,
            Some(&project.key),
            &project.key,
            None,
            json!({ "submodule": removed.name, "reassigned_to": input.reassign_to, "issues_moved": moved.len() }),
        )
        .await?;
        // Each moved issue's history says so.
        for key in &moved {
            w.record(
                EventType::IssueUpdated,
                Some(&project.key),
                key,
                Some(key),
                json!({
                    "fields": ["module"],
                    "changes": { "module": { "from": removed.name, "to": input.reassign_to } },
                }),
            )
            .await?;
        }
        let out = self
            .submodule_summary(&mut *w, &project, Some(moved.len() as u64))
            .await?;
        w.commit().await?;
        Ok(out)
    }

    pub async fn pm_list_submodules(&self, input: ListSubmodulesInput) -> Result<SubmodulesOutput> {
        let mut tx = self.read().await?;
        let project = self
            .resolve_project(&mut *tx, input.project_id.as_deref())
            .await?;
        self.submodule_summary(&mut *tx, &project, None).await
    }

    async fn submodule_summary(
        &self,
        tx: &mut dyn lazypm_store::Tx,
        project: &Project,
        reassigned: Option<u64>,
    ) -> Result<SubmodulesOutput> {
        let counts = tx.module_counts(project.id).await?;
        let submodules = project
            .metadata
            .submodules
            .iter()
            .map(|s| {
                let (open, total) = counts
                    .iter()
                    .find(|(m, _, _)| m.as_deref() == Some(s.name.as_str()))
                    .map(|(_, o, t)| (*o, *t))
                    .unwrap_or((0, 0));
                SubmoduleSummary {
                    submodule: s.clone(),
                    open_issues: open,
                    total_issues: total,
                }
            })
            .collect();
        Ok(SubmodulesOutput {
            project: project.key.clone(),
            submodules,
            reassigned_issues: reassigned,
        })
    }
}

pub(crate) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
